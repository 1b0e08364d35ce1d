# API and worker image (same image, different command). Node 22 LTS; the code runs through tsx.
FROM node:22-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npx prisma generate
# The API listens on 0.0.0.0 inside the container.
ENV API_HOST=0.0.0.0 API_PORT=3000
EXPOSE 3000
CMD ["npx", "tsx", "api/server.ts"]
