using System.Globalization;
using System.Text;
using MudBlazor;
using OpsConsole.Core.Operations;
using OpsConsole.Web.Shared;

namespace OpsConsole.Web.Features.Operations;

/// <summary>How the operation pages say things: state words and colours, waits, durations, log times and the copied log.</summary>
public static class OperationText
{
    private static CultureInfo Culture => CultureInfo.InvariantCulture;

    /// <summary>The state as a person reads it: "queued", "awaiting approval", "running", "succeeded", "failed", "cancelled".</summary>
    public static string Word(OperationState state) => state switch
    {
        OperationState.AwaitingApproval => "awaiting approval",
        _ => state.ToString().ToLowerInvariant(),
    };

    /// <summary>The target with a line-break opportunity after each colon, so a narrow cell wraps "database:" from the name.</summary>
    public static Microsoft.AspNetCore.Components.MarkupString BreakableTarget(string target) =>
        new(System.Net.WebUtility.HtmlEncode(target).Replace(":", ":<wbr>", StringComparison.Ordinal));

    /// <summary>The chip's colour; it only repeats the word.</summary>
    public static Color Colour(OperationState state) => state switch
    {
        OperationState.Running => Color.Info,
        OperationState.Succeeded => Color.Success,
        OperationState.Failed => Color.Error,
        OperationState.AwaitingApproval => Color.Warning,
        _ => Color.Default,
    };

    /// <summary>A wait in words, to the unit that matters: "3 h 12 min", "12 min", "40 s".</summary>
    public static string Span(TimeSpan value)
    {
        if (value < TimeSpan.Zero)
        {
            value = TimeSpan.Zero;
        }

        return value.TotalDays >= 1 ? string.Create(Culture, $"{(int)value.TotalDays} d {value.Hours} h")
            : value.TotalHours >= 1 ? string.Create(Culture, $"{(int)value.TotalHours} h {value.Minutes} min")
            : value.TotalMinutes >= 1 ? string.Create(Culture, $"{(int)value.TotalMinutes} min")
            : string.Create(Culture, $"{(int)value.TotalSeconds} s");
    }

    /// <summary>"expires in 3 h 12 min", or "expired" once the moment has passed; empty without an expiry.</summary>
    public static string Expiry(OperationView operation, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(operation);
        return operation.ApprovalExpiresAt is not { } at ? ""
            : at <= now ? "expired"
            : $"expires in {Span(at - now)}";
    }

    /// <summary>How long it ran (or has been running), "—" before it started.</summary>
    public static string Duration(OperationView operation, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(operation);
        // Most backups of small databases take under a second: "0.6 s" says so where "00:00:00" says nothing.
        return operation.DurationAt(now) is not { } duration ? "—"
            : duration < TimeSpan.FromMinutes(1) ? string.Create(Culture, $"{duration.TotalSeconds:0.0} s")
            : Format.Duration(duration);
    }

    /// <summary>"40 %", or empty while the kind has not said how far it is.</summary>
    public static string Percent(double? progress) =>
        progress is { } p ? string.Create(Culture, $"{Math.Clamp(p, 0, 1) * 100:0} %") : "";

    /// <summary>The end, shorter when it falls on the start's day in the viewer's zone: "14:04:34" after "2026-12-07 14:03:22".</summary>
    public static string Ended(OperationView operation, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(zone);
        if (operation.EndedAt is not { } ended)
        {
            return "—";
        }

        var sameDay = operation.StartedAt is { } started
            && TimeZoneInfo.ConvertTime(started, zone).Date == TimeZoneInfo.ConvertTime(ended, zone).Date;
        return sameDay ? Format.TimeOfDay(ended, zone) : Format.Timestamp(ended, zone);
    }

    /// <summary>A kind's parameter as a fact's label: "purpose" reads "Purpose", "backup_id" reads "Backup id".</summary>
    public static string ParameterLabel(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var words = name.Replace('_', ' ');
        return char.ToUpperInvariant(words[0]) + words[1..];
    }

    /// <summary>A log line's time in the viewer's zone, to the millisecond (steps can be milliseconds apart): "14:03:22.125".</summary>
    public static string LogTime(DateTimeOffset at, TimeZoneInfo zone) =>
        TimeZoneInfo.ConvertTime(at, zone).ToString("HH:mm:ss.fff", Culture);

    public static string Level(OperationLogLevel level) => level switch
    {
        OperationLogLevel.Warning => "WARN",
        OperationLogLevel.Error => "ERROR",
        _ => "INFO",
    };

    /// <summary>The log as "Copy log" puts it on the clipboard: one line each, tab-separated, times with their offset.</summary>
    public static string LogText(IEnumerable<OperationLogEntry> lines, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentNullException.ThrowIfNull(zone);
        var text = new StringBuilder();
        foreach (var line in lines)
        {
            text.Append(Culture, $"{line.Seq}\t{Format.Timestamp(line.At, zone)}.{TimeZoneInfo.ConvertTime(line.At, zone):fff} {Format.Offset(zone, line.At)}\t{Level(line.Level)}\t{line.Text}\n");
        }

        return text.ToString();
    }
}
