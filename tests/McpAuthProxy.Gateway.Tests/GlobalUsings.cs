global using McpAuthProxy.Testing;
global using Xunit;
