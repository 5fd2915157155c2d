"""Community files that make every required-files rule pass, shared by the generated
trees of bench/walk.sh and bench/fake_github.py."""

MIT = """MIT License

Copyright (c) 2024 Bench Corp

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
"""

SECURITY = "# Security policy\n\nReport vulnerabilities to security@bench-corp.io.\n"


def community_files(readme, security=True):
    """{path: text} of README (with the text `readme`), LICENSE, CONTRIBUTING, code of
    conduct, CODEOWNERS and dependabot; SECURITY.md unless `security` is false."""
    files = {
        "README.md": readme,
        "LICENSE": MIT,
        "CONTRIBUTING.md": "# Contributing\n\nRun `make test` before opening a pull request.\n",
        "CODE_OF_CONDUCT.md": "# Code of conduct\n\nBe kind. Report problems to conduct@bench-corp.io.\n",
        ".github/CODEOWNERS": "* @bench-corp/platform\n/docs/ @bench-corp/docs\n",
        ".github/dependabot.yml": "version: 2\nupdates:\n  - package-ecosystem: cargo\n"
        "    directory: /\n    schedule:\n      interval: weekly\n",
    }
    if security:
        files[".github/SECURITY.md"] = SECURITY
    return files
