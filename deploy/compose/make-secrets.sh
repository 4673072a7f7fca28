#!/bin/sh
# Makes the secrets docker-compose.yml mounts, once, in ./.secrets (git-ignored): random
# database passwords (and each service's DATABASE_URL with its own), the gateway's access-token
# key set, the download-link key and the SePay API key. The card provider's keys are left
# empty (card payments and their webhooks are refused) until you write Stripe's into
# .secrets/card_secret_key and .secrets/card_webhook_secret. Existing files are kept.
# PostgreSQL sets the roles' passwords only when it initialises an empty volume: after changing
# them here, start again from one (`docker compose down -v`).
set -eu
cd "$(dirname "$0")/../.."
mkdir -p .secrets
chmod 700 .secrets
random() { head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n'; }
# The folder is the host's guard (0700); the files are 0644 because compose mounts them with
# their host owner and mode, and the containers read them as other users (the services as uid
# 10001, PostgreSQL's init script as postgres).
put() {
  [ -s ".secrets/$1" ] && return 0
  [ -f ".secrets/$1" ] && [ -z "$2" ] && return 0
  printf '%s' "$2" > ".secrets/$1"
  chmod 644 ".secrets/$1"
}
put postgres_password "$(random)"
for service in gateway catalog checkout payments orders fulfillment; do
  put "${service}_db_password" "$(random)"
  put "${service}_database_url" "postgres://$service:$(cat ".secrets/${service}_db_password")@postgres:5432/commerce"
done
# Any 32 random bytes are an Ed25519 seed; the key id says when it was made.
put jwt_keys "$(date -u +%Y%m%d):$(random)"
put download_link_secret "$(random)"
put sepay_api_key "$(random)"
put card_secret_key ""
put card_webhook_secret ""
echo "secrets are in .secrets/ (SePay's API key: .secrets/sepay_api_key)"
