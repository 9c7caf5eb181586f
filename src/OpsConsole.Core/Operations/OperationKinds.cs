using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OpsConsole.Core.Audit;

namespace OpsConsole.Core.Operations;

/// <summary>
/// What a capability adds to run as an operation: its name, who may request, approve and cancel it, whether it can
/// stop safely mid-run, its steps, and how to clean up after a console that died while running it. Locking, approval,
/// progress, the live log and the audit are the operation layer's; a kind never re-implements them.
/// </summary>
public interface IOperationKind
{
    /// <summary>Stored on the operation ("backup", "restore-drill"); stable, lower case.</summary>
    string Name { get; }

    /// <summary>The policy that may request, approve and cancel operations of this kind, and how a refusal reads.</summary>
    AccessRule Access { get; }

    /// <summary>Whether a running operation may be cancelled (a backup can stop and delete its partial file; a restore past its swap cannot).</summary>
    bool CancellableWhileRunning { get; }

    /// <summary>Runs the steps; throws to fail (the message becomes the operation's error). Returns the result in words.</summary>
    Task<string?> RunAsync(OperationRun run, IOperationContext context);

    /// <summary>Removes what a run left behind when the console died mid-way (partial files, scratch databases).</summary>
    Task CleanupAsync(OperationRun run, IOperationContext context);
}

/// <summary>The operation a kind runs: its id, target and parameters, who asked for it and who approved it (when it needed that).</summary>
public sealed record OperationRun(Guid Id, string Kind, string Target, IReadOnlyDictionary<string, string> Parameters, string RequestedBy, DateTimeOffset RequestedAt, string? ApprovedBy = null)
{
    public string Parameter(string name) =>
        Parameters.TryGetValue(name, out var value) ? value : throw new InvalidOperationException($"operation {Id} has no parameter '{name}'");
}

public static class OperationKindRegistration
{
    /// <summary>Registers <typeparamref name="TKind"/> (scoped: its steps may use the database context).</summary>
    public static IServiceCollection AddOperationKind<TKind>(this IServiceCollection services) where TKind : class, IOperationKind
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddEnumerable(ServiceDescriptor.Scoped<IOperationKind, TKind>());
        return services;
    }
}
