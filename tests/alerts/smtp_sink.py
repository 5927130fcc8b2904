#!/usr/bin/env python3
"""A loopback SMTP server for the email receiver's test: EHLO, STARTTLS (required before AUTH
and MAIL), AUTH PLAIN and LOGIN, MAIL, RCPT, DATA, RSET, NOOP, QUIT.

Usage: smtp_sink.py CERT KEY USER PASSWORD OUT_DIR
Binds 127.0.0.1:0 and writes the port to OUT_DIR/port. Each accepted message is parsed with the
standard library's email package and summarised in OUT_DIR/<n>.json: envelope, subject
(decoded) and every part's content type and decoded text.
"""
import asyncio
import base64
import email
import email.policy
import json
import pathlib
import ssl
import sys


class Session:
    def __init__(self, reader, writer, tls, user, password, out):
        self.r, self.w, self.tls_ctx = reader, writer, tls
        self.user, self.password, self.out = user, password, out
        self.secure = False
        self.authed = False
        self.mail_from = None
        self.rcpt = []

    async def reply(self, line):
        self.w.write((line + "\r\n").encode())
        await self.w.drain()

    async def line(self):
        data = await self.r.readline()
        if not data:
            raise ConnectionError("closed")
        return data.decode("utf-8", "replace").rstrip("\r\n")

    def check(self, user, password):
        self.authed = user == self.user and password == self.password
        return "235 2.7.0 Authentication successful" if self.authed else "535 5.7.8 Bad credentials"

    async def auth(self, args):
        parts = args.split()
        mech = parts[0].upper() if parts else ""
        if mech == "PLAIN":
            blob = parts[1] if len(parts) > 1 else None
            if blob is None:
                await self.reply("334 ")
                blob = await self.line()
            fields = base64.b64decode(blob).split(b"\0")
            return self.check(fields[1].decode(), fields[2].decode())
        if mech == "LOGIN":
            if len(parts) > 1:
                user = base64.b64decode(parts[1]).decode()
            else:
                await self.reply("334 VXNlcm5hbWU6")
                user = base64.b64decode(await self.line()).decode()
            await self.reply("334 UGFzc3dvcmQ6")
            return self.check(user, base64.b64decode(await self.line()).decode())
        return "504 5.5.4 Unrecognized authentication type"

    async def data(self):
        lines = []
        while True:
            raw = await self.r.readline()
            if raw in (b".\r\n", b""):
                break
            lines.append(raw[1:] if raw.startswith(b"..") else raw)
        msg = email.message_from_bytes(b"".join(lines), policy=email.policy.default)
        parts = [{"type": p.get_content_type(), "text": p.get_content()}
                 for p in msg.walk() if not p.is_multipart()]
        n = len(list(self.out.glob("*.json")))
        (self.out / f"{n}.json").write_text(json.dumps({
            "mail_from": self.mail_from, "rcpt_to": self.rcpt, "subject": str(msg["subject"]),
            "to": str(msg["to"]), "references": str(msg["references"]),
            "content_type": msg.get_content_type(), "parts": parts, "tls": self.secure,
            "authed": self.authed}), encoding="utf-8")
        self.mail_from, self.rcpt = None, []
        return "250 2.0.0 Ok: queued"

    async def run(self):
        await self.reply("220 sink.local ESMTP")
        while True:
            text = await self.line()
            verb, _, args = text.partition(" ")
            verb = verb.upper()
            if verb in ("EHLO", "HELO"):
                ext = ["AUTH PLAIN LOGIN"] if self.secure else ["STARTTLS"]
                lines = ["sink.local"] + ext + ["8BITMIME"]
                for i, l in enumerate(lines):
                    await self.reply(("250 " if i == len(lines) - 1 else "250-") + l)
            elif verb == "STARTTLS" and not self.secure:
                await self.reply("220 2.0.0 Ready to start TLS")
                await self.w.start_tls(self.tls_ctx)
                self.secure = True
            elif not self.secure and verb not in ("NOOP", "QUIT", "RSET"):
                await self.reply("530 5.7.0 Must issue a STARTTLS command first")
            elif verb == "AUTH":
                await self.reply(await self.auth(args))
            elif verb == "MAIL":
                if not self.authed:
                    await self.reply("530 5.7.0 Authentication required")
                else:
                    self.mail_from = args.split(":", 1)[1].strip().split()[0].strip("<>")
                    await self.reply("250 2.1.0 Ok")
            elif verb == "RCPT":
                self.rcpt.append(args.split(":", 1)[1].strip().strip("<>"))
                await self.reply("250 2.1.5 Ok")
            elif verb == "DATA":
                if not self.rcpt:
                    await self.reply("503 5.5.1 Error: need RCPT command")
                    continue
                await self.reply("354 End data with <CR><LF>.<CR><LF>")
                await self.reply(await self.data())
            elif verb in ("RSET", "NOOP"):
                await self.reply("250 2.0.0 Ok")
            elif verb == "QUIT":
                await self.reply("221 2.0.0 Bye")
                self.w.close()
                return
            else:
                await self.reply("502 5.5.2 Error: command not recognized")


async def main():
    cert, key, user, password, out = sys.argv[1:6]
    out = pathlib.Path(out)
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(cert, key)

    async def handle(reader, writer):
        try:
            await Session(reader, writer, tls, user, password, out).run()
        except (ConnectionError, ssl.SSLError):
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    (out / "port.tmp").write_text(str(port), encoding="utf-8")
    (out / "port.tmp").rename(out / "port")
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
