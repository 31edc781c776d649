package ossinterop;

/** CRC-64/XZ ("ECMA-182" in the OSS docs), the value of x-oss-hash-crc64ecma, as an unsigned decimal string. */
final class Crc64 {
    private static final long POLY_REFLECTED = 0xC96C5795D7870F42L;
    private static final long[] TABLE = new long[256];

    static {
        for (int i = 0; i < 256; i++) {
            long c = i;
            for (int k = 0; k < 8; k++) {
                c = (c & 1) != 0 ? (c >>> 1) ^ POLY_REFLECTED : c >>> 1;
            }
            TABLE[i] = c;
        }
    }

    private Crc64() {
    }

    static long of(byte[] data) {
        long crc = ~0L;
        for (byte b : data) {
            crc = TABLE[(int) ((crc ^ b) & 0xff)] ^ (crc >>> 8);
        }
        return ~crc;
    }

    static String ofString(byte[] data) {
        return Long.toUnsignedString(of(data));
    }
}
