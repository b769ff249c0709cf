namespace McpAuthProxy.DevIdentity;
