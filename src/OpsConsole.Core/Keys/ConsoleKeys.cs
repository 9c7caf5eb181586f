using System.Security.Claims;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.Options;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Data;
using OpsConsole.Core.Live;
using OpsConsole.Core.Operations;

namespace OpsConsole.Core.Keys;

/// <summary>ASP.NET Core Data Protection's key ring as the Keys page shows it: read-only (the framework rotates it).</summary>
public sealed record DataProtectionKeysView(
    int Keys, Guid? CurrentKeyId, DateTimeOffset? CurrentCreatedAt, DateTimeOffset? CurrentActivatesAt, DateTimeOffset? CurrentExpiresAt, TimeSpan NewKeyLifetime)
{
    /// <summary>Data Protection makes its next key about two days before the current one expires (its key-ring refresh rule).</summary>
    public DateTimeOffset? NextKeyAbout => CurrentExpiresAt - TimeSpan.FromDays(2);
}

/// <summary>The console's own keys: the audit checkpoint signing keys (newest first; the first one signs) and Data Protection's ring.</summary>
public sealed record ConsoleKeysView(IReadOnlyList<AuditSigningKeyInfo> AuditKeys, DataProtectionKeysView DataProtection, OperationView? Active)
{
    public AuditSigningKeyInfo? CurrentAuditKey => AuditKeys.Count > 0 ? AuditKeys[0] : null;
}

/// <summary>
/// The console's own keys beside the rings: the audit checkpoint key (rotated here, as an operation) and Data Protection's
/// key ring (shown only). Reading needs <see cref="Access.ConsolePolicies.KeysRead"/>; rotating <see cref="Access.ConsolePolicies.KeysRotate"/>.
/// </summary>
public sealed class ConsoleKeysService(
    AuditSigningKeyStore auditKeys, IKeyManager dataProtectionKeys, IOptions<KeyManagementOptions> dataProtectionOptions,
    OperationService operations, ConsoleDbContext db, AuditedActions actions, TimeProvider time)
{
    public const string AuditKeyTarget = "audit:checkpoint-key";

    public async Task<ConsoleKeysView> GetAsync(ClaimsPrincipal caller, CancellationToken cancellationToken = default)
    {
        await actions.DemandAsync(caller, KeysService.ReadRule, cancellationToken);
        var active = await db.Operations.AsNoTracking().Where(o => o.Target == AuditKeyTarget
            && (o.State == OperationState.Queued || o.State == OperationState.AwaitingApproval || o.State == OperationState.Running))
            .OrderByDescending(o => o.Id).FirstOrDefaultAsync(cancellationToken);
        return new ConsoleKeysView(await auditKeys.ListAsync(cancellationToken), DataProtection(), active is null ? null : OperationService.View(active));
    }

    /// <summary>Requests a rotation of the audit checkpoint signing key.</summary>
    public async Task<OperationView> RotateAuditKeyAsync(ClaimsPrincipal caller, CancellationToken cancellationToken = default)
    {
        await actions.DemandAsync(caller, KeysService.RotateRule, cancellationToken);
        return await operations.RequestAsync(caller, new OperationRequest(AuditKeyRotation.Kind, AuditKeyTarget, "Rotate the audit checkpoint signing key", false), cancellationToken);
    }

    private DataProtectionKeysView DataProtection()
    {
        var now = time.GetUtcNow();
        var keys = dataProtectionKeys.GetAllKeys();
        // The default key: the newest activated, unexpired, unrevoked one (what Data Protection protects with now).
        var current = keys.Where(k => !k.IsRevoked && k.ActivationDate <= now && k.ExpirationDate > now).MaxBy(k => k.ActivationDate);
        return new DataProtectionKeysView(keys.Count, current?.KeyId, current?.CreationDate, current?.ActivationDate, current?.ExpirationDate,
            dataProtectionOptions.Value.NewKeyLifetime);
    }
}

/// <summary>
/// "audit-key-rotation": a new checkpoint signing key (the old ones stay, so every checkpoint keeps verifying), a
/// checkpoint signed with it at once, then every checkpoint's signature checked with the key it names.
/// </summary>
public sealed class AuditKeyRotation(AuditSigningKeyStore keys, AuditCheckpointService checkpoints, ConsoleConnectionStrings connections, AuditedActions actions, ILiveEvents live)
    : IOperationKind
{
    public const string Kind = "audit-key-rotation";

    public string Name => Kind;

    public AccessRule Access => KeysService.RotateRule;

    public bool CancellableWhileRunning => false;

    public async Task<string?> RunAsync(OperationRun run, IOperationContext context)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(context);
        var steps = new OperationSteps(context, ["rotate the key", "sign a checkpoint with it", "verify every checkpoint"]);
        var rotate = steps.Enter(1);
        var (keyId, previous) = await keys.RotateAsync(context.Cancellation);
        live.Publish(AuditSigningKeyStore.Rotated, keyId);
        await actions.RunAsync(AuditActors.System, async work =>
        {
            await work.RecordAsync("keys.audit_key_rotated", "audit_signing_key", keyId,
                ("previous", previous), ("operation", run.Id.ToString()), ("requested_by", run.RequestedBy));
            return true;
        }, CancellationToken.None);
        rotate.Log($"new checkpoint signing key {keyId} (ECDSA P-256); the previous one, {previous ?? "none"}, stays for the checkpoints it signed");

        var sign = steps.Enter(2);
        var checkpoint = await checkpoints.CreateAsync(context.Cancellation);
        sign.Log(checkpoint is null ? "no new audit records since the last checkpoint; the next one is signed with the new key" : $"checkpoint {checkpoint.Number} signed with {checkpoint.KeyId}");

        var verify = steps.Enter(3);
        await using var connection = NamedDataSources.CreateConnection(connections.Runtime, NamedDataSources.Console);
        await connection.OpenAsync(context.Cancellation);
        var (byKey, failed) = await AuditCheckpointStore.VerifySignaturesAsync(connection, context.Cancellation);
        verify.Log($"{byKey.Values.Sum()} checkpoint(s) checked: {string.Join(", ", byKey.Select(k => $"{k.Value} by {k.Key}"))}");
        if (failed.Count > 0)
        {
            throw new InvalidOperationException($"checkpoint(s) {string.Join(", ", failed)} do not verify with the key they name; run Audit → Integrity → Verify.");
        }

        return checkpoint is null ? $"rotated to {keyId}" : $"rotated to {keyId}; checkpoint {checkpoint.Number} signed with it; all {byKey.Values.Sum()} verify";
    }

    public Task CleanupAsync(OperationRun run, IOperationContext context) => Task.CompletedTask;
}
