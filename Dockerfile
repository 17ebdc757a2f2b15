# The Baton worker, for docker-compose.yml. Runs the TypeScript sources through tsx; no build step.
FROM node:22-slim

# git: every phase commits to the run's workspace. WITH_JDK=true adds a JDK for the java-springboot
# template's build phase (docker compose build --build-arg WITH_JDK=true).
ARG WITH_JDK=false
RUN apt-get update \
  && apt-get install -y --no-install-recommends ca-certificates git \
    $(if [ "$WITH_JDK" = "true" ]; then echo openjdk-17-jdk-headless; fi) \
  && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# The lockfile holds every platform's optional native binaries, so `npm ci` installs exactly it.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund && npm cache clean --force

COPY . .

# Workspaces and artifacts live under BATON_HOME; the compose file mounts a volume here.
RUN mkdir -p /data && chown node:node /data
ENV BATON_HOME=/data \
  TEMPORAL_ADDRESS=temporal:7233 \
  BATON_TASK_QUEUE=baton
VOLUME ["/data"]

USER node
CMD ["node", "--import", "tsx", "src/client/bin.ts", "worker"]
