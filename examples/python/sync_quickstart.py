"""Bucket encryption and SSE uploads with the blocking client, against a local OSS.

Run: .venv/bin/python examples/python/sync_quickstart.py
"""

import oss_sse
from oss_sse.testing import LocalOSS

with LocalOSS(kms_keys=["my-cmk"]) as oss:
    client = oss.client()
    client.put_bucket("quickstart")

    # Default encryption: SSE-KMS with a CMK; objects without SSE headers inherit it.
    client.put_bucket_encryption("quickstart", "KMS", kms_master_key_id="my-cmk")
    rule = client.get_bucket_encryption("quickstart")
    print("bucket rule:", rule.sse_algorithm, rule.kms_master_key_id)

    inherited = client.put_object("quickstart", "inherits.txt", b"uses the bucket rule")
    own = client.put_object("quickstart", "aes.txt", b"asks for AES256", server_side_encryption="AES256")
    print("inherits.txt:", inherited.server_side_encryption.server_side_encryption,
          inherited.server_side_encryption.server_side_encryption_key_id)
    print("aes.txt:", own.server_side_encryption.server_side_encryption)

    # get_object streams (read(n), iteration, readinto); get_object_bytes reads into memory.
    with client.get_object("quickstart", "aes.txt") as got:
        assert got.body.read() == b"asks for AES256"
        print("downloaded, declared:", got.server_side_encryption.server_side_encryption)

    # Bad input never reaches the server.
    try:
        client.put_object("quickstart", "x", b"", server_side_encryption="AES256",
                          server_side_encryption_key_id="my-cmk")
    except oss_sse.ClientError as e:
        print("refused before sending:", e)

    client.delete_bucket_encryption("quickstart")
    print("rule after delete:", client.get_bucket_encryption("quickstart"))
