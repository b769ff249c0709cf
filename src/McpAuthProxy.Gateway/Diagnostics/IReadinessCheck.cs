namespace McpAuthProxy.Gateway.Diagnostics;

/// <summary>One condition of <c>/readyz</c> on the diagnostics listener (e.g. the issuer's signing keys are loaded).</summary>
internal interface IReadinessCheck
{
    /// <summary>What <c>/readyz</c> names when this check is not ready.</summary>
    string Name { get; }

    ValueTask<bool> IsReadyAsync(CancellationToken cancellationToken);
}
