"""The MCP server (docs/mcp.md): tools generated from the registry, over HTTP and stdio."""
