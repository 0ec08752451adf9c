"""Per-client rate limit for public certificate verification, shared by every worker and host.

Production has PostgreSQL and no cache server, so the budget is a row per client and fixed
time window (`VerificationThrottle`), spent with one atomic INSERT ... ON CONFLICT DO UPDATE
... RETURNING (PostgreSQL, and SQLite from 3.35): concurrent requests from any number of
gunicorn workers never lose an update, and no lock is held after the statement (views run in
autocommit). Rows of finished windows are deleted when a client opens a new window, so the
table holds at most the clients of the last two windows and needs no cron job.

A fixed window lets a client spend up to twice the budget across a window boundary; with
160-bit codes that changes nothing for enumeration, and it keeps the cost to one statement.
"""

from __future__ import annotations

import datetime
import ipaddress
import math
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.crypto import salted_hmac

from .models import VerificationThrottle

# Verification costs points from the client's budget. A code that exists costs 1; a code that
# does not costs 5, because misses are what someone guessing codes produces, while a surveyor
# checking real certificates almost only hits. The miss's extra points are spent after the
# lookup; the first point is spent before it, so a client over budget gets no lookup at all.
VERIFY_HIT_COST = 1
VERIFY_MISS_COST = 5

_KEY_SALT = "certificates.throttle.client"
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after: int  # whole seconds until the current window ends (at least 1)


def client_address(request) -> str:
    """The client's address: REMOTE_ADDR, or with `ATTUNE_TRUSTED_PROXY_COUNT` = N proxies in
    front, the Nth entry from the right of X-Forwarded-For (each proxy appends the address it
    received the request from, so entries to the left of that one are the client's to forge).
    A request that did not pass through all N proxies falls back to REMOTE_ADDR."""
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.ATTUNE_TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return remote


def client_identity(address: str) -> str:
    """What the budget is kept for: an IPv4 address, or an IPv6 address's /64 network (one
    household or server is usually given a whole /64, so single IPv6 addresses cost nothing
    to change). Anything that is not an address is used as it is."""
    text = address.strip()
    if text.startswith("["):  # "[2001:db8::1]:443", as some proxies write it
        text = text[1:].split("]", 1)[0]
    elif text.count(":") == 1:  # "203.0.113.9:51234": the port is the client's to change
        text = text.split(":", 1)[0]
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return text
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def client_key(request) -> str:
    """A keyed hash of the client's identity: the table never holds an address."""
    identity = client_identity(client_address(request))
    return salted_hmac(_KEY_SALT, identity, algorithm="sha256").hexdigest()


def throttle_spend(
    *,
    key: str,
    cost: int,
    limit: int,
    window_seconds: int,
    always: bool = False,
) -> Decision:
    """Spend `cost` points of `key`'s budget for the current window in one atomic statement.

    Normally the points are spent only if they fit (`count + cost <= limit`); otherwise nothing
    changes and the answer is "not allowed". With `always`, they are spent even past the limit
    (the extra cost of a miss, which has already happened)."""
    if cost < 1:
        raise ValueError("cost must be at least 1")
    now = timezone.now()
    elapsed = (now - _EPOCH).total_seconds()
    start_seconds = int(elapsed // window_seconds) * window_seconds
    window_start = _EPOCH + datetime.timedelta(seconds=start_seconds)
    retry_after = max(1, math.ceil(start_seconds + window_seconds - elapsed))

    table = connection.ops.quote_name(VerificationThrottle._meta.db_table)
    key_col, window_col, count_col = (
        connection.ops.quote_name(VerificationThrottle._meta.get_field(name).column)
        for name in ("key", "window_start", "count")
    )
    guard = "" if always else f" WHERE {table}.{count_col} + excluded.{count_col} <= %s"
    sql = (
        f"INSERT INTO {table} ({key_col}, {window_col}, {count_col}) VALUES (%s, %s, %s) "  # noqa: S608
        f"ON CONFLICT ({key_col}, {window_col}) "
        f"DO UPDATE SET {count_col} = {table}.{count_col} + excluded.{count_col}{guard} "
        f"RETURNING {count_col}"
    )
    params = [key, connection.ops.adapt_datetimefield_value(window_start), cost]
    if not always:
        params.append(limit)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    # No row: the guard refused the update, so the budget is spent.
    count = row[0] if row else None
    if count == cost:
        # The row was just created (counts only grow): a new window has opened for this
        # client, so drop every row of windows before the previous one, this client's and
        # anyone else's. A range delete on an indexed column, once per client per window.
        cutoff = window_start - datetime.timedelta(seconds=window_seconds)
        VerificationThrottle.objects.filter(window_start__lt=cutoff).delete()
    allowed = count is not None and count <= limit
    return Decision(allowed=allowed, retry_after=retry_after)


def verification_spend(request, *, cost: int, always: bool = False) -> Decision:
    """Spend points of this client's verification budget (settings `ATTUNE_VERIFY_LIMIT` per
    `ATTUNE_VERIFY_WINDOW_SECONDS`)."""
    return throttle_spend(
        key=client_key(request),
        cost=cost,
        limit=settings.ATTUNE_VERIFY_LIMIT,
        window_seconds=settings.ATTUNE_VERIFY_WINDOW_SECONDS,
        always=always,
    )
