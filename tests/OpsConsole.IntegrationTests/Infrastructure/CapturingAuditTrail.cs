using System.Collections.Concurrent;
using OpsConsole.Core.Audit;

namespace OpsConsole.IntegrationTests.Infrastructure;

/// <summary>Records audit entries for assertions (register it before the host's default with TestConsole's services hook).</summary>
public sealed class CapturingAuditTrail : IAuditTrail
{
    private readonly ConcurrentQueue<AuditEntry> _entries = new();

    public IReadOnlyCollection<AuditEntry> Entries => [.. _entries];

    public Task RecordAsync(AuditEntry entry, CancellationToken cancellationToken = default)
    {
        _entries.Enqueue(entry);
        return Task.CompletedTask;
    }
}
