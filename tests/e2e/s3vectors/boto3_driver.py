"""Drives boto3's s3vectors client for the TypeScript tests (boto3.ts), which hold every assertion.

stdin: {"endpoint": URL, "region": str, "credentials": {accessKeyId, secretAccessKey, sessionToken?},
        "calls": [{"op": "CreateIndex", "params": {...}, "paginate": bool?, "paginationConfig": {...}?,
                   "credentials": {...}?, "region": str?, "signingDate": "2020-01-01T00:00:00Z"?}]}
stdout: one JSON array, one entry per call: {"ok": true, "result": ...} (for "paginate": the list of
        pages) or {"ok": false, "code", "status", "message", "kind"}.

Parameters may hold {"__float__": "NaN"|"Infinity"|"-Infinity"} where JSON cannot carry the float;
botocore then serialises it its own way (the JSON strings "NaN", "Infinity", "-Infinity"). They may
also hold {"__result__": [i, "member", ...]}: that member of call i's result (an ARN the server chose).
Retries are off (max_attempts 1) so every answer is the server's first.
"""
import datetime
import json
import sys
from unittest import mock

import boto3
import botocore.auth
from botocore.config import Config
from botocore.exceptions import ClientError, ParamValidationError


def resolve(value, results):
    if isinstance(value, dict):
        if set(value) == {"__float__"}:
            return float(value["__float__"])
        if set(value) == {"__result__"}:
            index, *path = value["__result__"]
            found = results[index]["result"]
            for step in path:
                found = found[step]
            return found
        return {k: resolve(v, results) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, results) for v in value]
    return value


def plain(value):
    """Response values as JSON: datetimes as epoch seconds, floats kept (NaN would not be JSON)."""
    if isinstance(value, datetime.datetime):
        return value.timestamp()
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


CLIENTS = {}


def make_client(endpoint, region, credentials):
    key = (endpoint, region, json.dumps(credentials, sort_keys=True))
    if key not in CLIENTS:
        CLIENTS[key] = new_client(endpoint, region, credentials)
    return CLIENTS[key]


def new_client(endpoint, region, credentials):
    session = boto3.session.Session(
        aws_access_key_id=credentials["accessKeyId"],
        aws_secret_access_key=credentials["secretAccessKey"],
        aws_session_token=credentials.get("sessionToken"),
        region_name=region,
    )
    return session.client("s3vectors", endpoint_url=endpoint, config=Config(retries={"max_attempts": 1, "mode": "standard"}))


def fixed_clock(iso):
    """Signs at a fixed time: botocore's SigV4 reads datetime.datetime.now/utcnow in botocore.auth."""
    when = datetime.datetime.strptime(iso, "%Y-%m-%dT%H:%M:%SZ")

    class FixedDatetime(datetime.datetime):
        @classmethod
        def utcnow(cls):
            return when

        @classmethod
        def now(cls, tz=None):
            return when.replace(tzinfo=tz) if tz else when

    return mock.patch.object(botocore.auth.datetime, "datetime", FixedDatetime)


def run(call, defaults, results):
    region = call.get("region", defaults["region"])
    client = make_client(defaults["endpoint"], region, call.get("credentials", defaults["credentials"]))
    method = client.meta.method_to_api_mapping
    name = next(py for py, api in method.items() if api == call["op"])
    params = resolve(call.get("params", {}), results)
    try:
        if call.get("signingDate"):
            with fixed_clock(call["signingDate"]):
                return {"ok": True, "result": plain(getattr(client, name)(**params))}
        if call.get("paginate"):
            pages = client.get_paginator(name).paginate(**params, PaginationConfig=call.get("paginationConfig", {}))
            return {"ok": True, "result": [plain(page) for page in pages]}
        return {"ok": True, "result": plain(getattr(client, name)(**params))}
    except ClientError as error:
        return {
            "ok": False, "kind": "ClientError", "code": error.response["Error"].get("Code"),
            "status": error.response["ResponseMetadata"].get("HTTPStatusCode"),
            "message": error.response["Error"].get("Message"),
            "requestId": error.response["ResponseMetadata"].get("RequestId"),
        }
    except ParamValidationError as error:
        return {"ok": False, "kind": "ParamValidationError", "code": None, "status": None, "message": str(error)}


def main():
    job = json.load(sys.stdin)
    results = []
    for call in job["calls"]:
        results.append(run(call, job, results))
    json.dump(results, sys.stdout, allow_nan=False)


if __name__ == "__main__":
    main()
