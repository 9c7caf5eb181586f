using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OpsConsole.Core.Backups;
using OpsConsole.Core.Backups.Engine;
using OpsConsole.Core.Data;
using OpsConsole.Core.Restores.Engine;

namespace OpsConsole.Core.Restores;

/// <summary>
/// The preflight: everything a person should see before a restore happens, read from the inventory, the last drill and
/// the target's server; what blocks the restore is a problem (the plan cannot be run), what deserves a look a warning.
/// </summary>
public sealed partial class RestorePlanner(
    ConsoleDbContext db, ManagedDatabaseCatalog catalog, BackupStorage storage, ConsoleConnectionStrings console, IOptions<RestoreOptions> options, TimeProvider time)
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Builds the plan (not stored). <paramref name="caller"/> is only named in it.</summary>
    /// <exception cref="KeyNotFoundException">The database is not managed.</exception>
    /// <exception cref="RestorePlanException">The request names no usable backup or a bad new database name.</exception>
    public async Task<(RestorePlanView View, StoredRestorePlan Row)> PlanAsync(ClaimsPrincipal caller, string database, RestorePlanRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(request);
        var managed = catalog.Find(database) ?? throw new KeyNotFoundException($"\"{database}\" is not a managed database (ManagedDatabases).");
        var mode = (request.Mode ?? RestoreModes.Replace).Trim().ToLowerInvariant();
        if (!RestoreModes.All.Contains(mode))
        {
            throw new RestorePlanException("mode", $"\"{request.Mode}\" is not a restore mode; use \"{RestoreModes.Replace}\" (into {database}) or \"{RestoreModes.NewDatabase}\" (into a new database).");
        }

        var newDatabase = mode == RestoreModes.NewDatabase ? ValidNewName(request.NewDatabase) : null;
        var backup = await ChooseBackupAsync(managed.Name, request.BackupId, ct);
        var now = time.GetUtcNow();
        var connectionString = catalog.ConnectionString(managed);
        var live = LiveName(connectionString);
        var problems = new List<string>();
        var warnings = new List<string>();
        var backupView = BackupService.View(backup);

        if (mode == RestoreModes.Replace && IsConsoleDatabase(connectionString))
        {
            problems.Add($"{managed.Name} is the console's own database: restoring it from inside the console would rewind the audit log and this restore's own record; restore it as a new database to inspect it, or restore it with pg_restore while the console is stopped (see the backups guide)");
        }

        if (!backup.Verified)
        {
            problems.Add($"backup {backup.FileName} did not pass its verification ({backup.VerifyError ?? "not verified"}); verify it again or choose another");
        }

        if (!File.Exists(storage.PathOf(backup)))
        {
            problems.Add($"the file of backup {backup.FileName} is missing from {storage.FolderOf(managed.Name)}");
        }

        TargetFacts? facts = null;
        try
        {
            facts = await TargetFacts.ReadAsync(connectionString, live, ct);
        }
        catch (DatabaseConnectionException ex)
        {
            problems.Add($"the server of {managed.Name} cannot be reached: {ex.Message}");
        }

        var disk = new List<DiskCheck>();
        if (facts is not null)
        {
            Preflight(facts, mode, live, newDatabase, managed.Name, backup, problems, warnings, disk);
        }

        var lastBackup = await db.Backups.AsNoTracking().Where(b => b.Database == managed.Name && b.DeletedAt == null)
            .OrderByDescending(b => b.CompletedAt).FirstOrDefaultAsync(ct);
        if (mode == RestoreModes.Replace)
        {
            // The safety backup is about as large as the newest backup; a tenth more for growth since.
            var needed = (long)((lastBackup?.SizeBytes ?? backup.SizeBytes) * 1.1);
            var free = StorageFreeBytes();
            disk.Add(new DiskCheck("backup storage (the pre-restore backup)", storage.Root, free, needed, free is null ? "the backup directory cannot be read" : null));
            if (free is { } f && f < needed)
            {
                problems.Add($"the backup storage has {BackupKinds.Size(f)} free but the pre-restore backup needs about {BackupKinds.Size(needed)}");
            }
        }

        var drill = await LastDrillAsync(managed.Name, ct);
        var (estimate, basis) = Estimate(drill, backup);
        var age = now - backup.CompletedAt;
        if (mode == RestoreModes.Replace && facts is { Exists: true })
        {
            warnings.Add(string.Create(CultureInfo.InvariantCulture,
                $"{managed.Name} goes back to {backup.CompletedAt:yyyy-MM-dd HH:mm} UTC ({Age(age)} ago): writes since then will not be in it (they stay in the replaced database for {Age(options.Value.KeepPrevious)}, and in the pre-restore backup)"));
        }

        if (drill is null)
        {
            warnings.Add($"{managed.Name} has no successful restore drill yet: the duration is a guess, and no backup of it was proven to restore");
        }

        var needsApproval = managed.Options.Protected || managed.Options.RequireApproval;
        var steps = StepNames(mode, live, newDatabase, facts?.Connections.Count ?? 0, options.Value.KeepPrevious);
        var id = Guid.CreateVersion7(now);
        var view = new RestorePlanView(
            id, managed.Name, mode, newDatabase, backupView, request.BackupId is null, drill is null ? null : BackupService.View(drill),
            facts?.ServerVersion.Text, facts?.SizeBytes, facts?.Owner, disk, facts?.Connections ?? [], estimate, basis,
            mode == RestoreModes.Replace && lastBackup is not null ? TimeSpan.FromSeconds(lastBackup.DurationSeconds) : null,
            steps, problems, warnings, needsApproval, managed.Options.Protected, RestoreConfirmation.Expected(mode, managed.Name, newDatabase),
            caller.Identity?.Name ?? "unknown", now, now + options.Value.PlanValidFor);
        var row = new StoredRestorePlan
        {
            Id = id,
            Database = managed.Name,
            Mode = mode,
            BackupId = backup.Id,
            BackupSha256 = backup.Sha256,
            FromLatest = request.BackupId is null,
            NewDatabase = newDatabase,
            TargetOid = facts?.Oid,
            CreatedBy = view.CreatedBy,
            CreatedById = caller.FindFirstValue(ClaimTypes.NameIdentifier),
            CreatedAt = now,
            ExpiresAt = view.ExpiresAt,
            Details = JsonSerializer.Serialize(view, Json),
        };
        return (view, row);
    }

    /// <summary>
    /// Whether the backup and the target are still what <paramref name="plan"/> saw: null, or what changed. Run when the
    /// restore is requested and again when it starts (after an approval that may have taken hours).
    /// </summary>
    public async Task<string?> ChangedSinceAsync(StoredRestorePlan plan, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var managed = catalog.Find(plan.Database);
        if (managed is null)
        {
            return $"{plan.Database} is no longer a managed database";
        }

        var backup = await db.Backups.AsNoTracking().SingleOrDefaultAsync(b => b.Id == plan.BackupId, ct);
        if (backup is null || backup.DeletedAt is not null)
        {
            return $"the backup {plan.BackupId} was deleted ({backup?.DeleteReason ?? "gone"})";
        }

        if (!string.Equals(backup.Sha256, plan.BackupSha256, StringComparison.Ordinal) || !backup.Verified)
        {
            return $"the backup {backup.FileName} is no longer the verified file the plan saw";
        }

        if (plan.FromLatest)
        {
            var newer = await db.Backups.AsNoTracking()
                .Where(b => b.Database == plan.Database && b.DeletedAt == null && b.Verified && b.CompletedAt > backup.CompletedAt && b.Purpose != BackupPurposes.PreRestore && b.Purpose != BackupPurposes.PreMigration && b.Purpose != BackupPurposes.PreErasure)
                .OrderByDescending(b => b.CompletedAt).FirstOrDefaultAsync(ct);
            if (newer is not null)
            {
                return $"the plan was for the latest verified backup, and a newer one was taken since ({newer.FileName})";
            }
        }

        var connectionString = catalog.ConnectionString(managed);
        TargetFacts facts;
        try
        {
            facts = await TargetFacts.ReadAsync(connectionString, LiveName(connectionString), ct);
        }
        catch (DatabaseConnectionException ex)
        {
            return $"the server of {plan.Database} cannot be reached to check the target: {ex.Message}";
        }

        if (plan.Mode == RestoreModes.Replace && facts.Oid != plan.TargetOid)
        {
            return facts.Exists
                ? $"the database {plan.Database} was replaced since the plan (it is another database now: OID {plan.TargetOid} then, {facts.Oid} now)"
                : $"the database {plan.Database} does not exist any more";
        }

        if (plan.Mode == RestoreModes.NewDatabase && plan.NewDatabase is { } name && facts.ExistingDatabases.Contains(name))
        {
            return $"a database named {name} was created since the plan";
        }

        return null;
    }

    /// <summary>Whether <paramref name="connectionString"/> names the database the console itself runs on (same host, port and database).</summary>
    private bool IsConsoleDatabase(string connectionString)
    {
        static (string, int, string) Key(string cs)
        {
            var b = new Npgsql.NpgsqlConnectionStringBuilder(cs);
            var host = (b.Host ?? "").ToLowerInvariant() is "localhost" or "::1" ? "127.0.0.1" : (b.Host ?? "").ToLowerInvariant();
            return (host, b.Port, b.Database ?? b.Username ?? "");
        }

        return Key(connectionString) == Key(console.Owner) || Key(connectionString) == Key(console.Runtime);
    }

    /// <summary>The database name on the server (the managed name is the console's; the connection string names the real one).</summary>
    public static string LiveName(string connectionString)
    {
        var builder = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
        return builder.Database ?? builder.Username ?? "";
    }

    public static IReadOnlyList<string> StepNames(string mode, string live, string? newDatabase, int connections, TimeSpan keep) =>
        mode == RestoreModes.NewDatabase
            ?
            [
                "check the plan and the backup's checksum",
                $"restore the backup into the new database {newDatabase}",
                "check the row counts against the backup's manifest",
                $"leave {newDatabase} for inspection ({live} is not touched)",
            ]
            :
            [
                "check the plan and the backup's checksum",
                $"back up {live} as it is now (pre-restore backup)",
                $"restore the backup into {live}__restore_<time>",
                "check the row counts against the backup's manifest",
                $"swap: end {connections} session(s), rename {live} to {live}__before_<time> and the restored database to {live}",
                $"keep {live}__before_<time> for {Age(keep)} for a swap back, then drop it",
            ];

    internal static string Age(TimeSpan span) => span switch
    {
        { TotalMinutes: < 1 } => string.Create(CultureInfo.InvariantCulture, $"{span.TotalSeconds:0} s"),
        { TotalHours: < 1 } => string.Create(CultureInfo.InvariantCulture, $"{span.TotalMinutes:0} min"),
        { TotalDays: < 2 } => string.Create(CultureInfo.InvariantCulture, $"{span.TotalHours:0.#} h"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{span.TotalDays:0.#} days"),
    };

    private void Preflight(
        TargetFacts facts, string mode, string live, string? newDatabase, string managed, StoredBackup backup,
        List<string> problems, List<string> warnings, List<DiskCheck> disk)
    {
        if (mode == RestoreModes.Replace && !facts.Exists)
        {
            problems.Add($"the database {live} does not exist on its server; restore into a new database instead");
        }

        if (newDatabase is not null && facts.ExistingDatabases.Contains(newDatabase))
        {
            problems.Add($"a database named {newDatabase} already exists; choose another name");
        }

        if (!facts.RoleMayCreateDatabases && !facts.RoleIsSuperuser)
        {
            problems.Add($"the role {facts.Role} may not create databases (CREATEDB), which the restore needs");
        }

        if (mode == RestoreModes.Replace && facts.Exists && !facts.RoleOwnsTarget)
        {
            problems.Add($"the role {facts.Role} does not own {live} (owner {facts.Owner}), so it may not rename it for the swap");
        }

        if (mode == RestoreModes.Replace && !facts.RoleMayEndSessions && facts.Connections.Any(c => c.User != facts.Role))
        {
            problems.Add($"the role {facts.Role} may not end other users' sessions (pg_signal_backend), and {live} has some");
        }

        if (!facts.RoleIsSuperuser)
        {
            warnings.Add($"the role {facts.Role} is not a superuser: owners and privileges are not restored, every object will belong to {facts.Role}");
        }

        if (MajorOf(backup.ServerVersion) is { } from && from > facts.ServerVersion.Major)
        {
            warnings.Add($"the backup was taken from PostgreSQL {from} and the server runs {facts.ServerVersion.Major}: objects may not restore");
        }

        if (mode == RestoreModes.Replace && facts.Connections.Count > 0)
        {
            warnings.Add($"{facts.Connections.Count} session(s) of {live} will be ended at the swap; applications must reconnect");
        }

        var needed = (long)((facts.SizeBytes ?? 0) * options.Value.DiskHeadroom);
        var free = facts.DataDirectoryFreeBytes();
        var unknown = free is not null ? null
            : !facts.ServerIsLocal ? "the database runs on another host, whose disk the console cannot read"
            : "the data directory cannot be read (the role needs pg_read_all_settings)";
        disk.Add(new DiskCheck($"database server data directory ({managed})", facts.DataDirectory, free, needed, unknown));
        if (free is { } f && f < needed)
        {
            problems.Add($"the database server's disk has {BackupKinds.Size(f)} free but the restored copy needs about {BackupKinds.Size(needed)} ({options.Value.DiskHeadroom:0.#}x the database's size)");
        }
    }

    private async Task<StoredBackup> ChooseBackupAsync(string database, Guid? id, CancellationToken ct)
    {
        if (id is { } chosen)
        {
            var backup = await db.Backups.AsNoTracking().SingleOrDefaultAsync(b => b.Id == chosen, ct);
            return backup switch
            {
                null => throw new RestorePlanException("backupId", $"There is no backup {chosen}."),
                { DeletedAt: not null } => throw new RestorePlanException("backupId", $"Backup {backup.FileName} was deleted ({backup.DeleteReason})."),
                _ when backup.Database != database => throw new RestorePlanException("backupId", $"Backup {backup.FileName} is a backup of {backup.Database}, not of {database}."),
                _ => backup,
            };
        }

        // "Latest verified" means the newest backup taken for its own sake, not a safety backup of a restore.
        return await db.Backups.AsNoTracking()
                   .Where(b => b.Database == database && b.DeletedAt == null && b.Verified && b.Purpose != BackupPurposes.PreRestore)
                   .OrderByDescending(b => b.CompletedAt).FirstOrDefaultAsync(ct)
               ?? throw new RestorePlanException("backupId", $"{database} has no verified backup to restore; take one first.");
    }

    private async Task<StoredDrill?> LastDrillAsync(string database, CancellationToken ct) =>
        await db.BackupDrills.AsNoTracking().Where(d => d.Database == database && d.Succeeded).OrderByDescending(d => d.At).FirstOrDefaultAsync(ct);

    /// <summary>The last successful drill's measured time, scaled by the backups' sizes (a dump restores in about linear time).</summary>
    private (TimeSpan? Estimate, string Basis) Estimate(StoredDrill? drill, StoredBackup backup)
    {
        if (drill is null)
        {
            return (null, "no successful restore drill of this database yet");
        }

        var drilled = db.Backups.AsNoTracking().Where(b => b.Id == drill.BackupId).Select(b => (long?)b.SizeBytes).FirstOrDefault();
        var scale = drilled is > 0 ? (double)backup.SizeBytes / drilled.Value : 1;
        var seconds = drill.RestoreSeconds * scale;
        var basis = string.Create(CultureInfo.InvariantCulture, $"the drill of {drill.At:yyyy-MM-dd HH:mm} UTC restored in {drill.RestoreSeconds:0.#} s");
        if (Math.Abs(scale - 1) > 0.05)
        {
            basis += string.Create(CultureInfo.InvariantCulture, $", scaled by the backups' sizes ({scale:0.##}x)");
        }

        return (TimeSpan.FromSeconds(Math.Round(seconds, 1)), basis);
    }

    private long? StorageFreeBytes()
    {
        try
        {
            Directory.CreateDirectory(storage.Root);
            return new DriveInfo(storage.Root).AvailableFreeSpace;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null;
        }
    }

    private static int? MajorOf(string serverVersion)
    {
        var digits = new string([.. serverVersion.TakeWhile(char.IsAsciiDigit)]);
        return int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var major) ? major : null;
    }

    /// <summary>A new database's name, trimmed, or a <see cref="RestorePlanException"/> naming the field newDatabase.</summary>
    internal static string ValidNewName(string? name)
    {
        var trimmed = name?.Trim() ?? "";
        if (trimmed.Length == 0)
        {
            throw new RestorePlanException("newDatabase", "Name the new database to restore into.");
        }

        if (!PlainIdentifier().IsMatch(trimmed) || trimmed.StartsWith("pg_", StringComparison.Ordinal))
        {
            throw new RestorePlanException("newDatabase",
                $"\"{trimmed}\" is not a plain database name: use 1 to 63 lower-case letters, digits and underscores, starting with a letter, not pg_.");
        }

        if (trimmed.Contains("__restore_", StringComparison.Ordinal) || trimmed.Contains("__before_", StringComparison.Ordinal) || trimmed.Contains("__drill_", StringComparison.Ordinal))
        {
            throw new RestorePlanException("newDatabase", $"\"{trimmed}\" looks like one of the console's own scratch names, which its clean-up drops; choose another.");
        }

        return trimmed;
    }

    [GeneratedRegex("^[a-z][a-z0-9_]{0,62}$", RegexOptions.CultureInvariant)]
    private static partial Regex PlainIdentifier();
}
