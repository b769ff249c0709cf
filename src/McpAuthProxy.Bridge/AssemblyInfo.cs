namespace McpAuthProxy.Bridge;
