FROM node:20
RUN curl -fsSL https://example.com/x.sh | sh
