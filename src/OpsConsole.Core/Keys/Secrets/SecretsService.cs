using System.Globalization;
using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Access;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Data;

namespace OpsConsole.Core.Keys.Secrets;

/// <summary>One recorded rotation, newest first in a view.</summary>
public sealed record SecretRotationView(long Id, DateTimeOffset RotatedAt, DateTimeOffset RecordedAt, string RecordedBy, string? Note);

/// <summary>A declared secret at one instant: its declaration, state and due date, and its recorded rotations (newest first).</summary>
public sealed record SecretView(DeclaredSecret Secret, DateTimeOffset Now, DateTimeOffset FirstDeclaredAt, SecretStatus Status, IReadOnlyList<SecretRotationView> History)
{
    public string Name => Secret.Name;

    public SecretRotationView? LastRotation => History.Count > 0 ? History[0] : null;
}

/// <summary>A request the inventory refuses, naming the field (HTTP 422).</summary>
public sealed class SecretRequestException(string field, string message) : ArgumentException(message, field);

/// <summary>
/// The secrets inventory: declared secrets (<see cref="ConfiguredSecrets"/>) with their recorded rotations. Reading needs
/// keys.read; recording a rotation needs keys.rotate (Admin, Sre) and is audited as <c>keys.secret_rotated</c>.
/// </summary>
public sealed class SecretsService(ConfiguredSecrets secrets, ConsoleDbContext db, AuditedActions actions, TimeProvider time)
{
    public const int MaxNoteLength = 500;

    /// <summary>Browser and server clocks differ a little: "now" typed in a form may be this far ahead.</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(2);

    public static readonly AccessRule ReadRule = new(ConsolePolicies.KeysRead, "keys.read", "secret", "Your roles may not see the secrets inventory.");

    public static readonly AccessRule RecordRule = new(ConsolePolicies.KeysRotate, "keys.access", "secret", "Recording a secret's rotation needs the Admin or Sre role.");

    public async Task<IReadOnlyList<SecretView>> ListAsync(ClaimsPrincipal caller, CancellationToken cancellationToken = default)
    {
        await actions.DemandAsync(caller, ReadRule, cancellationToken);
        return await ReadAsync(secrets.Secrets, cancellationToken);
    }

    /// <exception cref="KeyNotFoundException">No such declared secret.</exception>
    public async Task<SecretView> GetAsync(ClaimsPrincipal caller, string name, CancellationToken cancellationToken = default)
    {
        await actions.DemandAsync(caller, ReadRule, cancellationToken);
        return (await ReadAsync([Find(name)], cancellationToken))[0];
    }

    /// <summary>
    /// Records that <paramref name="name"/> was rotated at <paramref name="rotatedAt"/> (default now): not in the future,
    /// not before the previous record. The note becomes the audit record's reason.
    /// </summary>
    /// <exception cref="SecretRequestException">A bad rotatedAt or note.</exception>
    public async Task<SecretView> RecordAsync(ClaimsPrincipal caller, string name, DateTimeOffset? rotatedAt, string? note, CancellationToken cancellationToken = default)
    {
        await actions.DemandAsync(caller, RecordRule, cancellationToken);
        var secret = Find(name);
        var now = Stored(time.GetUtcNow());
        var at = Stored(rotatedAt ?? now);
        if (at > now + ClockSkew)
        {
            throw new SecretRequestException("rotatedAt", $"The rotation time {at:u} is in the future; record a rotation once it is done.");
        }

        var cleanNote = string.IsNullOrWhiteSpace(note) ? null : note.Trim();
        if (cleanNote is { Length: > MaxNoteLength })
        {
            throw new SecretRequestException("note", $"The note is longer than {MaxNoteLength} characters.");
        }

        if (SecretValueGuard.LooksLikeAValue(cleanNote))
        {
            throw new SecretRequestException("note", "The note looks like it contains a key or password. Never paste a secret's value here: say where it lives or which ticket changed it.");
        }

        await actions.RunAsync(caller, async work =>
        {
            var previous = await db.SecretRotations.AsNoTracking().Where(r => r.Secret == secret.Name)
                .OrderByDescending(r => r.RotatedAt).Select(r => (DateTimeOffset?)r.RotatedAt).FirstOrDefaultAsync(cancellationToken);
            if (previous is { } p && at < p)
            {
                throw new SecretRequestException("rotatedAt", $"The rotation time {at:u} is before the last recorded rotation ({p:u}); the history only moves forward.");
            }

            db.SecretRotations.Add(new SecretRotationRecord { Secret = secret.Name, RotatedAt = at, RecordedAt = now, RecordedBy = work.CallerName, Note = cleanNote });
            await db.SaveChangesAsync(cancellationToken);
            await work.RecordAsync("keys.secret_rotated", "secret", secret.Name,
                ("rotated_at", at.ToString("O", CultureInfo.InvariantCulture)), ("location", secret.Location), ("reason", cleanNote));
            work.Publish(SecretTopics.Changed, new SecretsChanged(secret.Name));
            return true;
        }, cancellationToken);
        return (await ReadAsync([secret], cancellationToken))[0];
    }

    public Task<bool> MayRecordAsync(ClaimsPrincipal caller) => actions.IsAllowedAsync(caller, ConsolePolicies.KeysRotate);

    /// <summary>The views of <paramref name="declared"/> now; notes each one's first sight (internal: the watch reads the same way).</summary>
    internal async Task<IReadOnlyList<SecretView>> ReadAsync(IReadOnlyList<DeclaredSecret> declared, CancellationToken ct)
    {
        if (declared.Count == 0)
        {
            return [];
        }

        var now = Stored(time.GetUtcNow());
        var names = declared.Select(s => s.Name).ToArray();
        // ON CONFLICT: instances starting together each try; the first sight wins and stays.
        await db.Database.ExecuteSqlAsync(
            $"INSERT INTO console.secret_declarations (secret, first_declared_at) SELECT unnest({names}), {now} ON CONFLICT (secret) DO NOTHING", ct);
        var firstSeen = await db.SecretDeclarations.AsNoTracking().Where(d => names.Contains(d.Secret)).ToDictionaryAsync(d => d.Secret, d => d.FirstDeclaredAt, StringComparer.Ordinal, ct);
        var rotations = await db.SecretRotations.AsNoTracking().Where(r => names.Contains(r.Secret))
            .OrderByDescending(r => r.RotatedAt).ThenByDescending(r => r.Id).ToListAsync(ct);
        return [.. declared.Select(s =>
        {
            var history = rotations.Where(r => r.Secret == s.Name).Select(r => new SecretRotationView(r.Id, r.RotatedAt, r.RecordedAt, r.RecordedBy, r.Note)).ToList();
            var first = firstSeen.GetValueOrDefault(s.Name, now);
            return new SecretView(s, now, first, SecretStatus.Of(s, history.FirstOrDefault()?.RotatedAt, first, now), history);
        })];
    }

    private DeclaredSecret Find(string name) =>
        secrets.Find(name) ?? throw new KeyNotFoundException($"There is no declared secret \"{name}\" (Keys:Secrets).");

    // PostgreSQL keeps microseconds: what is compared and returned is what is stored.
    private static DateTimeOffset Stored(DateTimeOffset at) => new(at.UtcTicks - (at.UtcTicks % 10), TimeSpan.Zero);
}
