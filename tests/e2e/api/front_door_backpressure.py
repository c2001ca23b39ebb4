#!/usr/bin/env python3
"""A client that stops reading while it keeps asking: learner reads answered at the front door
must arrive whole and in order once it reads again (the front door keeps what the socket does not
take in an outbox; it never cuts an answer or mixes two).

usage: front_door_backpressure.py URL LMS_KEY LEARNER COUNT
Sends COUNT GET recommendations?limit=50 one by one (2 ms apart) on one keep-alive connection
whose receive buffer is 4 KiB, reading nothing; then reads every answer and checks each is a 200
whose body is Content-Length bytes of JSON about LEARNER. Exit 0 when all are, 1 otherwise."""
import json
import socket
import sys
import time
from urllib.parse import urlparse

url, key, learner, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
u = urlparse(url)
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect((u.hostname, u.port))
request = (f"GET /v1/learners/{learner}/recommendations?limit=50 HTTP/1.1\r\nHost: x\r\n"
           f"Authorization: Bearer {key}\r\n\r\n").encode()
for _ in range(count):
    s.sendall(request)
    time.sleep(0.002)
s.settimeout(30)
buf = b""
answers = 0
while answers < count:
    while b"\r\n\r\n" not in buf:
        chunk = s.recv(65536)
        if not chunk:
            sys.exit(f"FAIL: the connection closed after {answers} of {count} answers")
        buf += chunk
    head, buf = buf.split(b"\r\n\r\n", 1)
    lines = head.decode("latin1").split("\r\n")
    if not lines[0].startswith("HTTP/1.1 200"):
        sys.exit(f"FAIL: answer {answers + 1}: {lines[0]}")
    length = next(int(l.split(":", 1)[1]) for l in lines if l.lower().startswith("content-length:"))
    while len(buf) < length:
        chunk = s.recv(65536)
        if not chunk:
            sys.exit(f"FAIL: answer {answers + 1} cut after {len(buf)} of {length} bytes")
        buf += chunk
    body, buf = buf[:length], buf[length:]
    if json.loads(body).get("learner") != learner:
        sys.exit(f"FAIL: answer {answers + 1} is not about {learner}: {body[:200]!r}")
    answers += 1
print(f"{answers} answers whole and in order after the client stopped reading")
