#!/usr/bin/env python3
"""A fake GitHub REST API for the audit benchmark (python3 standard library only).

Serves one organisation of N generated template repositories:

  GET /orgs/ORG/repos?per_page=P&page=K   the listing, paginated with `Link` headers
  GET /repos/ORG/REPO/tarball[/REF]       302 to /codeload/ORG/REPO/tar.gz/REF, like GitHub
  GET /codeload/ORG/REPO/tar.gz/REF       the repository as `git archive` writes it: a pax
                                          global header with the commit SHA, one top folder
                                          `ORG-REPO-<sha7>/`

Each repository holds README/LICENSE/SECURITY/CONTRIBUTING/CODE_OF_CONDUCT/CODEOWNERS/
dependabot files and a few dozen source files; every tenth one has no security policy, so
the audit has findings to report. A few archived repositories are listed besides the N
(the audit skips them by default), and a tenth of the N are not marked as templates.

Tarballs are built in memory at startup. Usage:

  bench/fake_github.py [--port 0] [--port-file FILE] [--repos 200] [--org bench]
                       [--files 40] [--dump-tarballs DIR]

The chosen port is printed (`listening on http://127.0.0.1:PORT`) and written to
--port-file; --dump-tarballs writes REPO.tar.gz for each of the N repositories (for the
`verify` baseline on the same content).
"""

import argparse
import hashlib
import io
import json
import os
import re
import sys
import tarfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from community import community_files  # noqa: E402

SOURCES = {
    "rs": "pub fn f{i}() -> u32 {{\n    {i}\n}}\n",
    "py": "def f{i}():\n    return {i}\n",
    "md": "# Note {i}\n\nSome text.\n",
    "json": '{{"id": {i}, "name": "item-{i}"}}\n',
    "yaml": "id: {i}\nname: item-{i}\n",
    "toml": 'id = {i}\nname = "item-{i}"\n',
    "txt": "line {i}\n",
}
ARCHIVED = 5  # archived repositories listed besides the N


def repo_name(i):
    return f"template-{i:04d}"


def repo_files(i, count):
    """The files of repository i: {path: text}."""
    name = repo_name(i)
    # Every tenth repository lacks a security policy.
    files = community_files(
        f"# {name}\n\nA generated template repository for the audit benchmark.\n",
        security=i % 10 != 0,
    )
    files.update({
        ".gitignore": "/target/\n*.log\n",
        ".dockerignore": ".git\ntarget\n",
        "Dockerfile": "FROM rust:1.85\nCOPY . /src\nRUN cargo build --release\n",
    })
    exts = list(SOURCES)
    for k in range(count):
        ext = exts[k % len(exts)]
        files[f"src/mod{k % 4}/sub{k % 3}/file{k}.{ext}"] = SOURCES[ext].format(i=i * 1000 + k)
    return files


def tarball(org, i, count):
    """(sha, gzip bytes) of repository i, laid out as `git archive` does."""
    name = repo_name(i)
    sha = hashlib.sha1(f"{org}/{name}".encode()).hexdigest()
    top = f"{org}-{name}-{sha[:7]}"
    buf = io.BytesIO()
    with tarfile.open(
        fileobj=buf,
        mode="w:gz",
        format=tarfile.PAX_FORMAT,
        pax_headers={"comment": sha},
        compresslevel=6,
    ) as tar:
        dirs = set()

        def add_dir(path):
            if path in dirs:
                return
            dirs.add(path)
            info = tarfile.TarInfo(path + "/")
            info.type = tarfile.DIRTYPE
            info.mode = 0o775
            info.mtime = 1700000000
            tar.addfile(info)

        add_dir(top)
        for rel, text in sorted(repo_files(i, count).items()):
            parts = rel.split("/")
            for d in range(1, len(parts)):
                add_dir("/".join([top] + parts[:d]))
            data = text.encode()
            info = tarfile.TarInfo(f"{top}/{rel}")
            info.size = len(data)
            info.mode = 0o664
            info.mtime = 1700000000
            tar.addfile(info, io.BytesIO(data))
    return sha, buf.getvalue()


class Org:
    def __init__(self, org, repos, files):
        self.org = org
        self.listing = []
        self.tarballs = {}
        for i in range(repos + ARCHIVED):
            name = repo_name(i)
            archived = i >= repos
            self.listing.append(
                {
                    "id": 1000 + i,
                    "name": name,
                    "full_name": f"{org}/{name}",
                    "private": False,
                    "owner": {"login": org, "type": "Organization"},
                    "default_branch": "main",
                    "is_template": i % 10 != 5,
                    "archived": archived,
                    "disabled": False,
                }
            )
            if not archived:
                self.tarballs[name] = tarball(org, i, files)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-github/1"
    org = None  # set in main

    def log_message(self, format, *args):  # quiet
        pass

    def send(self, status, body=b"", content_type="application/json", headers=()):
        self.send_response(status)
        self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(body)))
        self.send_header("x-ratelimit-limit", "5000")
        self.send_header("x-ratelimit-remaining", "4999")
        for key, value in headers:
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def not_found(self):
        self.send(404, json.dumps({"message": "Not Found"}).encode())

    def do_GET(self):
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        org = self.org
        base = f"http://{self.headers.get('host', self.server.server_address[0])}"

        m = re.fullmatch(r"/orgs/([^/]+)/repos", url.path)
        if m:
            if m.group(1) != org.org:
                return self.not_found()
            per_page = max(1, min(100, int(query.get("per_page", ["30"])[0])))
            page = max(1, int(query.get("page", ["1"])[0]))
            last = max(1, -(-len(org.listing) // per_page))
            items = org.listing[(page - 1) * per_page : page * per_page]
            links = []
            link = f"{base}/orgs/{org.org}/repos?per_page={per_page}&page="
            if page < last:
                links.append(f'<{link}{page + 1}>; rel="next"')
                links.append(f'<{link}{last}>; rel="last"')
            if page > 1:
                links.append(f'<{link}{page - 1}>; rel="prev"')
                links.append(f'<{link}1>; rel="first"')
            headers = [("link", ", ".join(links))] if links else []
            return self.send(200, json.dumps(items).encode(), headers=headers)

        m = re.fullmatch(r"/repos/([^/]+)/([^/]+)/tarball(?:/(.+))?", url.path)
        if m:
            owner, repo, ref = m.group(1), m.group(2), m.group(3) or "main"
            if owner != org.org or repo not in org.tarballs:
                return self.not_found()
            location = f"{base}/codeload/{owner}/{repo}/tar.gz/{ref}"
            return self.send(302, b"", headers=[("location", location)])

        m = re.fullmatch(r"/codeload/([^/]+)/([^/]+)/tar\.gz/(.+)", url.path)
        if m:
            owner, repo = m.group(1), m.group(2)
            if owner != org.org or repo not in org.tarballs:
                return self.not_found()
            sha, data = org.tarballs[repo]
            headers = [("content-disposition", f"attachment; filename={owner}-{repo}-{sha[:7]}.tar.gz")]
            return self.send(200, data, content_type="application/x-gzip", headers=headers)

        self.not_found()

    do_HEAD = do_GET


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--port", type=int, default=0, help="0: a free port")
    p.add_argument("--port-file", help="write the chosen port here once listening")
    p.add_argument("--repos", type=int, default=200, help="repositories audited (archived ones are extra)")
    p.add_argument("--org", default="bench")
    p.add_argument("--files", type=int, default=40, help="source files per repository")
    p.add_argument("--dump-tarballs", metavar="DIR", help="write REPO.tar.gz files here")
    args = p.parse_args()

    org = Org(args.org, args.repos, args.files)
    if args.dump_tarballs:
        os.makedirs(args.dump_tarballs, exist_ok=True)
        for name, (_sha, data) in org.tarballs.items():
            with open(os.path.join(args.dump_tarballs, f"{name}.tar.gz"), "wb") as f:
                f.write(data)
    total = sum(len(d) for _s, d in org.tarballs.values())
    Handler.org = org
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    port = server.server_address[1]
    print(
        f"listening on http://127.0.0.1:{port} ({len(org.tarballs)} repositories, "
        f"{len(org.listing)} listed, {total / 1024:.0f} KiB of tarballs)",
        file=sys.stderr,
        flush=True,
    )
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(f"{port}\n")
        os.replace(tmp, args.port_file)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
