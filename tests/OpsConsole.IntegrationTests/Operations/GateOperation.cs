using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Core.Access;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Operations;

namespace OpsConsole.IntegrationTests.Operations;

/// <summary>The test's handles on <see cref="GateOperation"/> runs: when each started, when to let it finish, what was cleaned up.</summary>
public sealed class OperationGates
{
    private readonly ConcurrentDictionary<Guid, TaskCompletionSource> _started = new();
    private readonly ConcurrentDictionary<Guid, TaskCompletionSource<bool>> _release = new();

    public ConcurrentBag<Guid> CleanedUp { get; } = [];

    public TaskCompletionSource Started(Guid id) => _started.GetOrAdd(id, _ => new(TaskCreationOptions.RunContinuationsAsynchronously));

    /// <summary>Completes with true to succeed, false to fail.</summary>
    public TaskCompletionSource<bool> Release(Guid id) => _release.GetOrAdd(id, _ => new(TaskCreationOptions.RunContinuationsAsynchronously));

    public static void Register(IServiceCollection services)
    {
        services.AddSingleton<OperationGates>();
        services.AddOperationKind<GateOperation>();
    }
}

/// <summary>An operation kind for the layer's tests: logs, reports half-way, then waits for the test to release it.</summary>
public sealed class GateOperation(OperationGates gates) : IOperationKind
{
    public const string KindName = "test-gate";

    public string Name => KindName;

    public AccessRule Access { get; } = new(ConsolePolicies.BackupsAct, "operations.test_gate.access", "operation", "Test gates need the Admin or Sre role.");

    public bool CancellableWhileRunning => true;

    public async Task<string?> RunAsync(OperationRun run, IOperationContext context)
    {
        context.Log("step one");
        context.Progress(0.5, "halfway");
        gates.Started(run.Id).TrySetResult();
        var succeed = await gates.Release(run.Id).Task.WaitAsync(context.Cancellation);
        return succeed ? "gate opened" : throw new InvalidOperationException("the gate said no");
    }

    public Task CleanupAsync(OperationRun run, IOperationContext context)
    {
        gates.CleanedUp.Add(run.Id);
        context.Log("removed what the dead run left");
        return Task.CompletedTask;
    }
}
