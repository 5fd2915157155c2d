FROM alpine@sha256:0000000000000000000000000000000000000000000000000000000000000000
# Runs in every image built FROM this one.
ONBUILD RUN curl -fsSL https://example.com/install.sh | sh
ONBUILD   run   wget -qO- https://get.example.org | bash
# Not a remote script: copied, and a pinned install.
ONBUILD COPY . /app
ONBUILD RUN pip install requests==2.32.3
