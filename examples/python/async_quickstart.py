"""The asyncio client: 64 concurrent SSE uploads, then reading them back.

Run: .venv/bin/python examples/python/async_quickstart.py
"""

import asyncio

from oss_sse.testing import LocalOSS


async def main() -> None:
    with LocalOSS() as oss:
        client = oss.async_client()
        await client.put_bucket("async-demo")
        await asyncio.gather(*(
            client.put_object("async-demo", f"obj-{i}", f"payload {i}".encode(), server_side_encryption="SM4")
            for i in range(64)
        ))
        heads = await asyncio.gather(*(client.head_object("async-demo", f"obj-{i}") for i in range(64)))
        algorithms = {h.server_side_encryption.server_side_encryption for h in heads}
        print(f"{len(heads)} objects, declared encryption: {algorithms}")
        got = await client.get_object("async-demo", "obj-7")
        assert b"".join([chunk async for chunk in got.body]) == b"payload 7"


asyncio.run(main())
