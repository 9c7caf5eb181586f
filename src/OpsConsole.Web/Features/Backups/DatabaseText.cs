using System.Globalization;
using OpsConsole.Core.Backups;
using OpsConsole.Core.Operations;

namespace OpsConsole.Web.Features.Backups;

/// <summary>The words and colours the Databases pages and the wall's strip use (one place, so every view agrees).</summary>
public static class DatabaseText
{
    private static CultureInfo Culture => CultureInfo.InvariantCulture;

    /// <summary>"fresh", "ageing", "too old".</summary>
    public static string Word(BackupFreshness freshness) => freshness switch
    {
        BackupFreshness.Fresh => "fresh",
        BackupFreshness.Ageing => "ageing",
        _ => "too old",
    };

    /// <summary>The console's state classes (green, amber, red; console.css), so a chip matches the board's.</summary>
    public static string StateClass(BackupFreshness freshness) => freshness switch
    {
        BackupFreshness.Fresh => "tile-healthy",
        BackupFreshness.Ageing => "tile-warning",
        _ => "tile-critical",
    };

    /// <summary>A freshness as a stable token for styles and tests: fresh, ageing, too-old.</summary>
    public static string Token(BackupFreshness freshness) => freshness switch
    {
        BackupFreshness.Fresh => "fresh",
        BackupFreshness.Ageing => "ageing",
        _ => "too-old",
    };

    /// <summary>"40 s", "12 min", "3 h 12 min", "2 d 3 h": precise enough to compare with an RPO at a glance.</summary>
    public static string Span(TimeSpan age)
    {
        if (age < TimeSpan.FromMinutes(1))
        {
            return string.Create(Culture, $"{Math.Max(0, (int)age.TotalSeconds)} s");
        }

        if (age < TimeSpan.FromHours(1))
        {
            return string.Create(Culture, $"{(int)age.TotalMinutes} min");
        }

        if (age < TimeSpan.FromDays(1))
        {
            return age.Minutes == 0 ? string.Create(Culture, $"{(int)age.TotalHours} h") : string.Create(Culture, $"{(int)age.TotalHours} h {age.Minutes} min");
        }

        return age.Hours == 0 ? string.Create(Culture, $"{(int)age.TotalDays} d") : string.Create(Culture, $"{(int)age.TotalDays} d {age.Hours} h");
    }

    /// <summary>"3 h 12 min ago".</summary>
    public static string Ago(DateTimeOffset at, DateTimeOffset now) => $"{Span(now - at)} ago";

    /// <summary>A short age for the wall, one unit: "40 s", "12 min", "3 h", "2 d".</summary>
    public static string ShortAge(TimeSpan age) =>
        age < TimeSpan.FromMinutes(1) ? string.Create(Culture, $"{Math.Max(0, (int)age.TotalSeconds)} s")
        : age < TimeSpan.FromHours(1) ? string.Create(Culture, $"{(int)age.TotalMinutes} min")
        : age < TimeSpan.FromDays(2) ? string.Create(Culture, $"{(int)age.TotalHours} h")
        : string.Create(Culture, $"{(int)age.TotalDays} d");

    /// <summary>An RPO as it is usually written in configuration: "RPO 7h", "RPO 26h", "RPO 3d", "RPO 30m".</summary>
    public static string Rpo(TimeSpan rpo) => $"RPO {Duration(rpo)}";

    /// <summary>"7h", "26h", "3d", "30m": whole days only from two days up, as people write an RPO.</summary>
    public static string Duration(TimeSpan span) =>
        span.TotalDays >= 2 && span.Ticks % TimeSpan.TicksPerDay == 0 ? string.Create(Culture, $"{span.TotalDays:0}d")
        : span.TotalHours >= 1 ? string.Create(Culture, $"{span.TotalHours:0.#}h")
        : span.TotalMinutes >= 1 ? string.Create(Culture, $"{span.TotalMinutes:0.#}m")
        : string.Create(Culture, $"{span.TotalSeconds:0.#}s");

    /// <summary>The measured restore time: "RTO 2.3 s", "RTO 4 min 05 s".</summary>
    public static string Rto(double seconds) => $"RTO {Seconds(seconds)}";

    /// <summary>"0.4 s", "12.3 s", "4 min 05 s", "1 h 02 min".</summary>
    public static string Seconds(double seconds)
    {
        if (double.IsNaN(seconds) || seconds < 0)
        {
            return "—";
        }

        var span = TimeSpan.FromSeconds(seconds);
        return seconds < 60 ? string.Create(Culture, $"{seconds:0.0} s")
            : span < TimeSpan.FromHours(1) ? string.Create(Culture, $"{(int)span.TotalMinutes} min {span.Seconds:00} s")
            : string.Create(Culture, $"{(int)span.TotalHours} h {span.Minutes:00} min");
    }

    /// <summary>"1,234 tables · 12,345,678 rows"-style counts with thousands separators.</summary>
    public static string Count(long value) => value.ToString("N0", Culture);

    /// <summary>The first 12 hex digits of a SHA-256: enough to tell backups apart on screen.</summary>
    public static string ShortSha(string sha256) => sha256.Length <= 12 ? sha256 : sha256[..12];

    /// <summary>Purpose chips: manual and the pre-action ones stand out (they are the ones to roll back to).</summary>
    public static string PurposeClass(string purpose) => purpose switch
    {
        BackupPurposes.Scheduled => "db-purpose-scheduled",
        BackupPurposes.Manual => "db-purpose-manual",
        _ => "db-purpose-pre",
    };

    /// <summary>"PostgreSQL 16.4", "1.2 GiB", "4 connections" (empty when the probe has not answered): shown joined by " · ".</summary>
    public static IReadOnlyList<string> ServerFacts(DatabaseProbe? probe)
    {
        if (probe?.Info is not { } info)
        {
            return [];
        }

        var connections = info.Connections == 1 ? "1 connection" : $"{Count(info.Connections)} connections";
        return [$"PostgreSQL {info.ServerVersion.Text}", Web.Shared.Format.Bytes(info.SizeBytes), connections];
    }

    /// <summary>Why the server facts are missing, in words.</summary>
    public static string? ProbeProblem(DatabaseProbe? probe) => probe switch
    {
        null => null,
        { Error: { } error } => $"Cannot reach the database: {error}",
        _ => null,
    };

    /// <summary>"running · dumping public.orders · 40 %", "queued", "awaiting approval".</summary>
    public static string OperationState(OperationView op)
    {
        ArgumentNullException.ThrowIfNull(op);
        var state = op.State switch
        {
            Core.Operations.OperationState.AwaitingApproval => "awaiting approval",
            _ => op.State.ToString().ToLowerInvariant(),
        };
        var step = op.State == Core.Operations.OperationState.Running && !string.IsNullOrWhiteSpace(op.Step) ? $" · {op.Step}" : "";
        var progress = op.State == Core.Operations.OperationState.Running && op.Progress is { } p ? string.Create(Culture, $" · {p * 100:0} %") : "";
        return state + step + progress;
    }

    /// <summary>The link to an operation's page (built by the Operations slice).</summary>
    public static string OperationHref(Guid id) => $"/operations/{id}";

    /// <summary>The Operations page filtered to one database.</summary>
    public static string OperationsHref(string database) => $"/operations?target={ManagedDatabaseCatalog.Target(database)}"; // names are [a-z0-9_-]: nothing to escape

    public static string DatabaseHref(string database) => $"/databases/{Uri.EscapeDataString(database)}";

    public static string DownloadHref(Guid backup) => $"/api/v1/backups/{backup}/file";

    /// <summary>"keep last 7 · 7 daily · 4 weekly · 6 monthly".</summary>
    public static string Retention(RetentionPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        return $"keep last {policy.KeepLast} · {policy.Daily} daily · {policy.Weekly} weekly · {policy.Monthly} monthly";
    }
}
