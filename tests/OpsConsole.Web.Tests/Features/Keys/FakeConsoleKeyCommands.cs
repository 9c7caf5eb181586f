using System.Security.Claims;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Keys;
using OpsConsole.Core.Operations;
using OpsConsole.Web.Features.Keys;

namespace OpsConsole.Web.Tests.Features.Keys;

/// <summary>The console's own keys as a test sets them; a rotation records the call and answers with an operation.</summary>
public sealed class FakeConsoleKeyCommands : IConsoleKeyCommands
{
    public static readonly Guid DataProtectionKey = Guid.Parse("5f0c1a2b-0000-4000-8000-000000000001");

    public ConsoleKeysView View { get; set; } = new(
        [new AuditSigningKeyInfo("audit-key-2", FakeKeyCommands.T0.AddDays(-3), 4, FakeKeyCommands.T0.AddHours(-1)),
         new AuditSigningKeyInfo("audit-key-1", FakeKeyCommands.T0.AddDays(-200), 180, FakeKeyCommands.T0.AddDays(-3))],
        new DataProtectionKeysView(2, DataProtectionKey, FakeKeyCommands.T0.AddDays(-10), FakeKeyCommands.T0.AddDays(-10), FakeKeyCommands.T0.AddDays(80), TimeSpan.FromDays(90)),
        null);

    public int Rotations { get; private set; }

    public Task<ConsoleKeysView> GetAsync(ClaimsPrincipal caller, CancellationToken cancellationToken = default) => Task.FromResult(View);

    public Task<OperationView> RotateAuditKeyAsync(ClaimsPrincipal caller)
    {
        Rotations++;
        return Task.FromResult(new OperationView(Guid.NewGuid(), AuditKeyRotation.Kind, ConsoleKeysService.AuditKeyTarget, "Rotate the audit checkpoint signing key",
            OperationState.Queued, new Dictionary<string, string>(), "sam", FakeKeyCommands.T0, false, null, null, null, false, null, null, null, null, null, null, null, 0));
    }
}
