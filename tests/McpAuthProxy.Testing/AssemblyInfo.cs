namespace McpAuthProxy.Testing;
