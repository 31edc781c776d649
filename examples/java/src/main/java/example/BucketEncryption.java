package example;

import com.aliyun.oss.OSS;
import com.aliyun.oss.OSSClientBuilder;
import com.aliyun.oss.OSSErrorCode;
import com.aliyun.oss.OSSException;
import com.aliyun.oss.model.SSEAlgorithm;
import com.aliyun.oss.model.ServerSideEncryptionByDefault;
import com.aliyun.oss.model.ServerSideEncryptionConfiguration;
import com.aliyun.oss.model.SetBucketEncryptionRequest;

/**
 * Default bucket encryption with SSE-KMS, using the official Java SDK the way the OSS product
 * documentation does: set the rule, read it back, delete it.
 *
 * <p>Configuration comes from the environment:
 * <pre>
 *   OSS_ENDPOINT           e.g. https://oss-cn-hangzhou.aliyuncs.com, or the emulator's http://127.0.0.1:PORT
 *   OSS_ACCESS_KEY_ID      access key id
 *   OSS_ACCESS_KEY_SECRET  access key secret
 *   OSS_BUCKET             the bucket (created first if it does not exist)
 *   OSS_KMS_KEY_ID         the KMS customer master key (CMK) id for the rule
 * </pre>
 */
public final class BucketEncryption {

    private BucketEncryption() {
    }

    private static String env(String name) {
        String value = System.getenv(name);
        if (value == null || value.isEmpty()) {
            System.err.println("set " + name);
            System.exit(2);
        }
        return value;
    }

    public static void main(String[] args) {
        String endpoint = env("OSS_ENDPOINT");
        String accessKeyId = env("OSS_ACCESS_KEY_ID");
        String accessKeySecret = env("OSS_ACCESS_KEY_SECRET");
        String bucket = env("OSS_BUCKET");
        String kmsKeyId = env("OSS_KMS_KEY_ID");

        // The plain client, no extra configuration (Signature V1, the SDK's default).
        OSS oss = new OSSClientBuilder().build(endpoint, accessKeyId, accessKeySecret);
        try {
            ensureBucket(oss, bucket);

            // 1. Default encryption for new objects: SSE-KMS with the given CMK.
            ServerSideEncryptionByDefault byDefault = new ServerSideEncryptionByDefault(SSEAlgorithm.KMS);
            byDefault.setKMSMasterKeyID(kmsKeyId);
            ServerSideEncryptionConfiguration rule = new ServerSideEncryptionConfiguration();
            rule.setApplyServerSideEncryptionByDefault(byDefault);
            oss.setBucketEncryption(new SetBucketEncryptionRequest(bucket, rule));
            System.out.println("set default encryption of bucket " + bucket);

            // 2. Read the rule back.
            ServerSideEncryptionByDefault current =
                    oss.getBucketEncryption(bucket).getApplyServerSideEncryptionByDefault();
            System.out.println("SSE algorithm: " + current.getSSEAlgorithm());
            System.out.println("KMS key id: " + current.getKMSMasterKeyID());

            // 3. Remove it again.
            oss.deleteBucketEncryption(bucket);
            System.out.println("deleted default encryption of bucket " + bucket);
        } catch (OSSException e) {
            System.err.println("OSS error " + e.getErrorCode() + ": " + e.getErrorMessage()
                    + " (request id " + e.getRequestId() + ")");
            System.exit(1);
        } finally {
            oss.shutdown();
        }
    }

    /** Creates the bucket unless GetBucketInfo finds it. */
    private static void ensureBucket(OSS oss, String bucket) {
        try {
            oss.getBucketInfo(bucket);
        } catch (OSSException e) {
            if (!OSSErrorCode.NO_SUCH_BUCKET.equals(e.getErrorCode())) {
                throw e;
            }
            oss.createBucket(bucket);
            System.out.println("created bucket " + bucket);
        }
    }
}
