#!/usr/bin/env python3
"""Prints the async frame size of the router's async functions in a built binary, largest first.

usage: bench/proxy/async-frames.py BINARY [NAME-FRAGMENT ...]

An async function's frame is allocated in its task (the task allocator's slabs) for as long as the call is
suspended: a stream's consumer keeps its chain of frames for the stream's life, and a routed call keeps its
chain until the first token. At 5,000 streams every 100 bytes of that chain is 0.5 MB, so this is the first
thing to look at when the RSS of many streams grows. The size is read from each function's "async function
pointer" record (symbols ending in `Tu`: a relative offset, then the initial context size as a 32-bit word).
Without fragments it lists the hot path's functions (chat routes, router, adapters, HTTP client and server).
"""

import struct
import subprocess
import sys

HOT_PATH = ["ChatService", "ChatSession", "ChatRelay", "ChatRoutes", "OpenAIRoutes", "OpenAIAdapter",
            "AnthropicAdapter", "ProviderEndpoint", "StreamedChatReader", "StreamProgress", "ChatStream",
            "RateLimitedProvider", "HTTPClient", "Transfer", "ServerCore", "ResponseStream", "HTTPBodyWriter",
            "Router."]


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    binary, fragments = sys.argv[1], sys.argv[2:] or HOT_PATH
    symbols = subprocess.run(["nm", "--defined-only", binary], capture_output=True, text=True, check=True).stdout
    records = [(int(line.split()[0], 16), line.split()[2]) for line in symbols.splitlines()
               if line.endswith("Tu") and "MR" in line]
    sections = []
    for line in subprocess.run(["readelf", "-SW", binary], capture_output=True, text=True, check=True).stdout.splitlines():
        parts = line.replace("[ ", "[").split()
        if len(parts) > 6 and parts[0].startswith("[") and parts[0] != "[Nr]":
            try:
                sections.append((int(parts[3], 16), int(parts[4], 16), int(parts[5], 16)))
            except ValueError:
                pass
    data = open(binary, "rb").read()
    sizes = []
    for address, name in records:
        for start, offset, size in sections:
            if start and start <= address < start + size:
                at = offset + address - start
                sizes.append((struct.unpack("<iI", data[at:at + 8])[1], name))
                break
    names = subprocess.run(["swift", "demangle", "--simplified", "--compact"], input="\n".join(n for _, n in sizes),
                           capture_output=True, text=True, check=True).stdout.splitlines()
    for (size, _), name in sorted(zip(sizes, names), reverse=True):
        name = name.removeprefix("async function pointer to ")
        if size >= 64 and not name.startswith("partial apply") and any(f in name for f in fragments):
            print(f"{size:6d}  {name[:140]}")


if __name__ == "__main__":
    main()
