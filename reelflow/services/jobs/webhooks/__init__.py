"""Webhooks: a job's `callback_url` receives a signed POST on every state change, delivered
from a durable outbox in the job store, with retries and an allow-list of target hosts."""
