"""The app as an MCP server: its prompt files as MCP prompts, its agent's tools as MCP tools.

Two ways in: `app mcp serve` speaks stdio (what Claude Desktop and Cursor start), and the
API answers streamable HTTP at `/mcp` (behind API_KEYS like every route). Both serve the
same `build_mcp_server(...)`.

What is exposed: every prompt file not marked `internal`, with its inputs as arguments
(MCP prompts have user and assistant messages only, so a system section comes as a user
message); the agent's own tools (`search_documents` when RAG is on). Not exposed: tools
that require approval (a person approves them in this app, and an MCP client's own
approval is not ours to check), the memory tools (they act for the run's user, which an
MCP request does not carry), and the tools the app itself takes from other MCP servers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from langchain_core.messages import AIMessage
from langchain_core.tools import BaseTool
from langchain_mcp_adapters.tools import to_fastmcp
from mcp.server.fastmcp import FastMCP
from mcp.server.fastmcp.prompts.base import AssistantMessage, Message, PromptArgument, UserMessage
from mcp.server.fastmcp.prompts.base import Prompt as McpPrompt
from mcp.server.transport_security import TransportSecuritySettings

from ..prompting import Prompt, PromptLibrary
from .approval import needs_approval
from .graph import as_tool


def served_tools(tools: Sequence[Any]) -> list[BaseTool]:
    """The tools an MCP client may call: none that waits for approval."""
    return [tool for tool in map(as_tool, tools) if not needs_approval(tool)]


def mcp_prompt(prompt: Prompt) -> McpPrompt:
    """A prompt file as an MCP prompt: its inputs are the arguments."""

    def render(**arguments: Any) -> list[Message]:
        messages = prompt.messages(arguments)
        return [
            AssistantMessage(m.text) if isinstance(m, AIMessage) else UserMessage(m.text)
            for m in messages
        ]

    arguments = [
        PromptArgument(name=name, description=spec.description or None, required=spec.required)
        for name, spec in prompt.spec.input.items()
    ]
    return McpPrompt(
        name=prompt.name,
        description=prompt.spec.description or None,
        arguments=arguments,
        fn=render,
    )


def build_mcp_server(name: str, prompts: PromptLibrary, tools: Sequence[Any]) -> FastMCP:
    server = FastMCP(
        name,
        tools=[to_fastmcp(tool) for tool in served_tools(tools)],
        # One JSON answer per request, no session to keep: any worker can answer.
        stateless_http=True,
        json_response=True,
        streamable_http_path="/mcp",
        # The API's own guards apply (API_KEYS, CORS_ORIGINS); the SDK's Host check would
        # refuse every name but localhost, so a deployed app could not be reached.
        transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
        log_level="WARNING",
    )
    for name in prompts.names():
        prompt = prompts.get(name)  # the variant PROMPT_VARIANTS picks
        if not prompt.spec.internal:
            server.add_prompt(mcp_prompt(prompt))
    return server
