using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Access;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Data;

namespace OpsConsole.Core.Identity.Displays;

/// <summary>A pairing code as issued: the code itself exists only in this object and on the administrator's screen.</summary>
public sealed record IssuedPairingCode(DisplayDevice Device, string Code, DateTimeOffset ExpiresAt);

/// <summary>Why a presented pairing code was refused.</summary>
public enum PairingFailure
{
    Malformed,

    /// <summary>Never issued, already used, or replaced by a newer code: indistinguishable on purpose.</summary>
    Unknown,

    Expired,
}

public sealed record PairingResult(DisplayDevice? Device, PairingFailure? Failure)
{
    public bool Succeeded => Failure is null;
}

/// <summary>
/// Wall displays: create and list (with a one-time pairing code), pair, check on each request, revoke. Administrative
/// methods check <see cref="ConsolePolicies.Administer"/> against the caller themselves and are audited; pairing and
/// checking are called by the display's own (anonymous or device-cookie) requests and audited too.
/// </summary>
public sealed class DisplayDeviceService(ConsoleDbContext db, AuditedActions actions, TimeProvider time)
{
    /// <summary>Who may administer displays, and how a refusal is recorded.</summary>
    public static readonly AccessRule Administer = new(
        ConsolePolicies.Administer, "identity.displays.access", "display", "Administering displays needs the Admin role.");

    public const int MaxNameLength = 100;

    // Last-seen is informational; a display polls all day, so write it at most once a minute (or when its address moves).
    public static readonly TimeSpan SeenResolution = LastSeen.Resolution;

    /// <summary>The trimmed name, or an <see cref="ArgumentException"/> saying what a name must be.</summary>
    public static string ValidateName(string? name)
    {
        var trimmed = name?.Trim() ?? "";
        return trimmed.Length is > 0 and <= MaxNameLength
            ? trimmed
            : throw new ArgumentException($"A display needs a name of 1 to {MaxNameLength} characters.");
    }

    public Task<IssuedPairingCode> CreateAsync(ClaimsPrincipal caller, string? name, CancellationToken cancellationToken = default) =>
        actions.RunAsync(caller, Administer, async act =>
        {
            var device = new DisplayDevice
            {
                Id = Guid.NewGuid(),
                Name = ValidateName(name),
                CreatedBy = NameOf(caller),
                CreatedAt = time.GetUtcNow(),
                Stamp = NewStamp(),
            };
            var code = AssignCode(device);
            db.DisplayDevices.Add(device);
            await db.SaveChangesAsync(cancellationToken);
            await act.RecordAsync("identity.display.created", "display", device.Id.ToString(), ("name", device.Name));
            return code;
        }, cancellationToken);

    public async Task<IReadOnlyList<DisplayDevice>> ListAsync(ClaimsPrincipal caller, CancellationToken cancellationToken = default)
    {
        await actions.DemandAsync(caller, Administer, cancellationToken);
        return await db.DisplayDevices.AsNoTracking().OrderBy(d => d.Name).ThenBy(d => d.CreatedAt).ToListAsync(cancellationToken);
    }

    /// <summary>
    /// A fresh code for a display that is not paired (pending, code expired or revoked); null for an unknown id.
    /// A revoked display becomes pending again, with a new stamp, so its old cookie stays dead.
    /// </summary>
    public Task<IssuedPairingCode?> IssuePairingCodeAsync(ClaimsPrincipal caller, Guid deviceId, CancellationToken cancellationToken = default) =>
        actions.RunAsync(caller, Administer, async act =>
        {
            var device = await db.DisplayDevices.SingleOrDefaultAsync(d => d.Id == deviceId, cancellationToken);
            if (device is null)
            {
                return (IssuedPairingCode?)null;
            }

            if (device.StatusAt(time.GetUtcNow()) == DisplayStatus.Paired)
            {
                throw new InvalidOperationException("The display is paired; revoke it before pairing it again.");
            }

            device.RevokedAt = null;
            device.RevokedBy = null;
            device.PairedAt = null;
            device.Stamp = NewStamp();
            var code = AssignCode(device);
            await db.SaveChangesAsync(cancellationToken);
            await act.RecordAsync("identity.display.pairing_code_issued", "display", device.Id.ToString());
            return (IssuedPairingCode?)code;
        }, cancellationToken);

    /// <summary>Revokes the display: its cookie fails the next check and its open pages switch to the revoked screen.</summary>
    /// <returns>False for an unknown id; true when revoked now or before.</returns>
    public Task<bool> RevokeAsync(ClaimsPrincipal caller, Guid deviceId, CancellationToken cancellationToken = default) =>
        actions.RunAsync(caller, Administer, async act =>
        {
            var device = await db.DisplayDevices.SingleOrDefaultAsync(d => d.Id == deviceId, cancellationToken);
            if (device is null)
            {
                return false;
            }

            if (device.RevokedAt is not null)
            {
                return true;
            }

            device.RevokedAt = time.GetUtcNow();
            device.RevokedBy = NameOf(caller);
            device.Stamp = NewStamp();
            device.PairingCodeHash = null;
            device.PairingCodeExpiresAt = null;
            await db.SaveChangesAsync(cancellationToken);
            act.Publish(IdentityTopics.DisplayRevoked, new DisplayRevoked(device.Id, device.Name));
            await act.RecordAsync("identity.display.revoked", "display", device.Id.ToString());
            return true;
        }, cancellationToken);

    /// <summary>Redeems a pairing code (single use, compared by hash, within its 10 minutes) for the display it belongs to.</summary>
    public Task<PairingResult> PairAsync(string? presented, string? ipAddress, string? userAgent, CancellationToken cancellationToken = default) =>
        actions.RunAsync(Anonymous, async act =>
        {
            var normalized = DisplayPairingCode.Normalize(presented);
            if (normalized is null)
            {
                return await FailedAsync(act, PairingFailure.Malformed, null, ipAddress);
            }

            var hash = DisplayPairingCode.Hash(normalized);
            var device = await db.DisplayDevices.AsNoTracking().SingleOrDefaultAsync(d => d.PairingCodeHash == hash, cancellationToken);
            // The lookup is by hash; the fixed-time compare keeps the final check free of timing differences.
            if (device?.PairingCodeHash is null || !CryptographicOperations.FixedTimeEquals(device.PairingCodeHash, hash))
            {
                return await FailedAsync(act, PairingFailure.Unknown, null, ipAddress);
            }

            var now = time.GetUtcNow();
            if (device.PairingCodeExpiresAt is not { } expires || expires <= now)
            {
                return await FailedAsync(act, PairingFailure.Expired, device, ipAddress);
            }

            var stamp = NewStamp();
            var agent = Truncate(userAgent, 512);
            // Conditional on the hash still being there: of two simultaneous redemptions exactly one wins.
            var claimed = await db.DisplayDevices
                .Where(d => d.Id == device.Id && d.PairingCodeHash == hash)
                .ExecuteUpdateAsync(
                    s => s.SetProperty(d => d.PairingCodeHash, (byte[]?)null)
                        .SetProperty(d => d.PairingCodeExpiresAt, (DateTimeOffset?)null)
                        .SetProperty(d => d.PairedAt, now)
                        .SetProperty(d => d.LastSeenAt, now)
                        .SetProperty(d => d.LastSeenIp, ipAddress)
                        .SetProperty(d => d.UserAgent, agent)
                        .SetProperty(d => d.Stamp, stamp),
                    cancellationToken);
            if (claimed == 0)
            {
                return await FailedAsync(act, PairingFailure.Unknown, device, ipAddress);
            }

            device.PairingCodeHash = null;
            device.PairingCodeExpiresAt = null;
            device.PairedAt = now;
            device.LastSeenAt = now;
            device.LastSeenIp = ipAddress;
            device.UserAgent = agent;
            device.Stamp = stamp;
            await act.RecordAsync(
                new AuditEntry(DeviceActor(device), "identity.display.paired", "display", device.Id.ToString(), AuditOutcome.Succeeded,
                    new Dictionary<string, string?> { ["clientIp"] = ipAddress, ["name"] = device.Name }));
            return new PairingResult(device, null);
        }, cancellationToken);

    /// <summary>
    /// True while the display exists, is not revoked and its cookie's stamp is current. Records when and from where it
    /// was last seen (throttled). Called on every device-cookie request and by open circuits every minute.
    /// </summary>
    public async Task<bool> CheckAsync(Guid deviceId, string stamp, string? ipAddress, string? userAgent, CancellationToken cancellationToken = default)
    {
        var device = await db.DisplayDevices.AsNoTracking()
            .Where(d => d.Id == deviceId)
            .Select(d => new { d.RevokedAt, d.PairedAt, d.Stamp, d.LastSeenAt, d.LastSeenIp })
            .SingleOrDefaultAsync(cancellationToken);
        if (device is null || device.RevokedAt is not null || device.PairedAt is null
            || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(device.Stamp), Encoding.UTF8.GetBytes(stamp ?? "")))
        {
            return false;
        }

        var now = time.GetUtcNow();
        if (LastSeen.IsDue(device.LastSeenAt, device.LastSeenIp, ipAddress, now))
        {
            await LastSeen.WriteAsync(db.DisplayDevices.Where(d => d.Id == deviceId), d => d.LastSeenAt, (DateTimeOffset?)now, d => d.LastSeenIp,
                ipAddress ?? device.LastSeenIp, d => d.UserAgent, userAgent, cancellationToken);
        }

        return true;
    }

    private IssuedPairingCode AssignCode(DisplayDevice device)
    {
        var code = DisplayPairingCode.Generate();
        device.PairingCodeHash = DisplayPairingCode.Hash(DisplayPairingCode.Normalize(code)!);
        device.PairingCodeExpiresAt = time.GetUtcNow() + DisplayPairingCode.Lifetime;
        return new IssuedPairingCode(device, code, device.PairingCodeExpiresAt.Value);
    }

    private static async Task<PairingResult> FailedAsync(AuditedWork act, PairingFailure failure, DisplayDevice? device, string? ipAddress)
    {
        await act.RecordAsync("identity.display.pairing_failed", "display", device?.Id.ToString() ?? "*", AuditOutcome.Denied,
            ("reason", failure.ToString().ToLowerInvariant()), ("clientIp", ipAddress));
        return new PairingResult(null, failure);
    }

    /// <summary>Who presents a pairing code: nobody yet.</summary>
    private static readonly ClaimsPrincipal Anonymous = new(new ClaimsIdentity([new Claim(ClaimTypes.Name, "anonymous")]));

    private static ClaimsPrincipal DeviceActor(DisplayDevice device) =>
        new(new ClaimsIdentity([new Claim(ClaimTypes.Name, $"display:{device.Name}"), new Claim(ConsoleClaims.DisplayId, device.Id.ToString())], "display"));

    private static string NameOf(ClaimsPrincipal caller) => caller.Identity?.Name ?? "unknown";

    private static string NewStamp() => Convert.ToHexString(RandomNumberGenerator.GetBytes(16));

    private static string? Truncate(string? value, int length) => value is null || value.Length <= length ? value : value[..length];
}
