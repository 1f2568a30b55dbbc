"""Tools from MCP servers: the ones `mcp.json` lists (MCP_CONFIG), for the agent.

The file has the format Claude Desktop, Cursor and VS Code use:

    {"mcpServers": {
        "files": {"command": "npx", "args": ["-y", "@mcp/server-files"],
                  "env": {"ROOT": "${HOME}"}},
        "tickets": {"url": "https://mcp.example.com/mcp",
                    "headers": {"Authorization": "Bearer ${TOKEN}"}}
    }}

`command` servers run as a child process (stdio); `url` ones are reached over streamable
HTTP. `${VAR}` in `env`, `headers` and `url` is read from the environment when the app
starts; the values are never logged (a failure is logged by server name and error type
only). langchain-mcp-adapters speaks the protocol: one session per server, opened with
the app and closed with it.

Each tool is named `SERVER_TOOL`, so it cannot clash with the app's own or another
server's. A call waits at most MCP_TIMEOUT_S; an error (the tool's, a timeout, a server
that died) goes back to the model as the tool's error, like any tool's (graph.py). A
server that will not start, or stops answering the ping every MCP_PING_S, is one log line
naming it, and the agent runs with the rest.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from langchain_core.tools import BaseTool

from ..settings import Settings

logger = logging.getLogger(__name__)

_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class McpConfigError(ValueError):
    """mcp.json cannot be read or a server entry is malformed."""


def expand(value: str, environ: Mapping[str, str]) -> str:
    """`${VAR}` -> its value in `environ` ("" when unset)."""
    return _VARIABLE.sub(lambda match: environ.get(match[1], ""), value)


def read_mcp_config(
    path: Path, environ: Mapping[str, str] | None = None, timeout_s: float = 30.0
) -> dict[str, dict[str, Any]]:
    """Server name -> the connection langchain-mcp-adapters takes; {} when no file."""
    if not path.exists():
        return {}
    try:
        servers = json.loads(path.read_text(encoding="utf-8")).get("mcpServers", {})
    except (ValueError, AttributeError) as error:
        raise McpConfigError(f"{path}: not a JSON object with mcpServers ({error})") from None
    return mcp_connections(servers, environ, timeout_s, where=str(path))


def mcp_connections(
    servers: Mapping[str, Mapping[str, Any]],
    environ: Mapping[str, str] | None = None,
    timeout_s: float = 30.0,
    where: str = "mcpServers",
) -> dict[str, dict[str, Any]]:
    """The connections of `mcpServers` entries (from mcp.json, or an eval case's)."""
    environ = os.environ if environ is None else environ
    session = {"read_timeout_seconds": timedelta(seconds=timeout_s)}  # per request
    connections: dict[str, dict[str, Any]] = {}
    for name, entry in servers.items():
        if "command" in entry:
            env = {key: expand(str(v), environ) for key, v in dict(entry.get("env") or {}).items()}
            connections[name] = {
                "transport": "stdio",
                "command": entry["command"],
                "args": [str(arg) for arg in entry.get("args", [])],
                # The child sees the app's PATH and the like, plus what the entry sets.
                "env": {**os.environ, **env},
                "session_kwargs": session,
            }
        elif "url" in entry:
            given = dict(entry.get("headers") or {})
            headers = {key: expand(str(value), environ) for key, value in given.items()}
            connections[name] = {
                "transport": "streamable_http",
                "url": expand(entry["url"], environ),
                "headers": headers,
                "timeout": timedelta(seconds=timeout_s),
                "session_kwargs": session,
            }
        else:
            raise McpConfigError(f"{where}: server {name!r} has neither `command` nor `url`")
    return connections


@dataclass
class McpTools:
    """The tools of every server that started, and each server's state for /health/ready."""

    tools: list[BaseTool] = field(default_factory=list)
    #: Server name -> "ok (N tools)" or "failed: ErrorType".
    servers: dict[str, str] = field(default_factory=dict)

    @property
    def failed(self) -> list[str]:
        return [name for name, state in self.servers.items() if not state.startswith("ok")]


@asynccontextmanager
async def open_mcp_tools(
    settings: Settings, servers: Mapping[str, Mapping[str, Any]] | None = None
) -> AsyncIterator[McpTools]:
    """Start a session with each server of MCP_CONFIG (or of `servers`, `mcpServers`
    entries: an eval case's); closed when the block ends.

    Each session lives in a task of its own (`_hold_session`). The protocol's transports
    run their readers and writers in an anyio task group; were every session opened in
    this one task, a server that dies would cancel the scope the others were opened
    inside, and their calls would hang until the timeout. One task each, a dead server
    fails only its own calls.
    """
    timeout_s = settings.mcp_timeout_s
    try:
        if servers is None:
            connections = read_mcp_config(Path(settings.mcp_config), timeout_s=timeout_s)
        else:
            connections = mcp_connections(servers, timeout_s=timeout_s)
    except McpConfigError as error:
        logger.warning("MCP: %s; the agent runs without MCP tools", error)
        connections = {}
    found = McpTools()
    if not connections:
        yield found
        return
    from langchain_mcp_adapters.client import MultiServerMCPClient

    client = MultiServerMCPClient(connections)  # type: ignore[arg-type]
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loaded = {name: loop.create_future() for name in connections}
    holders = {
        name: asyncio.create_task(_hold_session(client, name, loaded[name], stop, found, settings))
        for name in connections
    }
    deadline = loop.time() + timeout_s  # the servers start side by side
    try:
        for name, pending in loaded.items():
            try:
                async with asyncio.timeout_at(deadline):
                    # Shielded: a timeout or a cancel here leaves `pending` undone, which is
                    # how the holder is known to be still starting (and is cancelled).
                    tools: list[BaseTool] = await asyncio.shield(pending)
            except Exception as error:  # one server down is not the app down
                holders[name].cancel()
                logger.warning("MCP server %r failed to start: %s", name, _cause(error))
                found.servers[name] = f"failed: {_cause(error)}"
                continue
            found.tools.extend(tools)
            found.servers[name] = f"ok ({len(tools)} tools)"
        yield found
    finally:
        stop.set()
        for name, holder in holders.items():
            if not loaded[name].done():  # still starting (the opener was cancelled)
                holder.cancel()
        await asyncio.gather(*holders.values(), return_exceptions=True)


async def _hold_session(
    client: Any,
    name: str,
    loaded: asyncio.Future[list[BaseTool]],
    stop: asyncio.Event,
    found: McpTools,
    settings: Settings,
) -> None:
    """Open `name`'s session, hand its tools over through `loaded`, keep it until `stop`.

    An error before the tools are loaded goes to the waiting opener. After, the server is
    pinged every MCP_PING_S (the protocol's liveness check): one that died, or does not
    answer within MCP_TIMEOUT_S, is logged once by name and shown failed in /health/ready
    until the app restarts; its tools' calls are errors for the model.
    """
    from langchain_mcp_adapters.tools import load_mcp_tools

    try:
        async with client.session(name) as session:
            # A tool's error raises, so the graph reports it to the model as an error.
            tools = await load_mcp_tools(
                session, server_name=name, tool_name_prefix=True, handle_tool_errors=False
            )
            for tool in tools:
                tool.metadata = {**(tool.metadata or {}), "mcp_server": name}
            loaded.set_result(tools)
            while not await _stopped_within(stop, settings.mcp_ping_s):
                await session.send_ping()  # raises once the server is gone
    except Exception as error:
        if not loaded.done():
            loaded.set_exception(error)
        elif not stop.is_set():
            logger.warning("MCP server %r stopped: %s", name, _cause(error))
            found.servers[name] = f"failed: stopped ({_cause(error)})"


async def _stopped_within(stop: asyncio.Event, seconds: float) -> bool:
    try:
        async with asyncio.timeout(seconds):
            await stop.wait()
    except TimeoutError:
        return False
    return True


def _cause(error: BaseException) -> str:
    """The type name of the error inside anyio's exception groups: what went wrong."""
    while isinstance(error, BaseExceptionGroup) and error.exceptions:
        error = error.exceptions[0]
    return type(error).__name__
