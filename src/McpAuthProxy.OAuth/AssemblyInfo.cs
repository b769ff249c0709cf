namespace McpAuthProxy.OAuth;
