namespace McpAuthProxy.Gateway;
