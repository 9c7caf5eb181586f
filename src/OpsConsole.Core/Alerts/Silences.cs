using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using OpsConsole.Core.Metrics.Query;

namespace OpsConsole.Core.Alerts;

/// <summary>What went wrong with an alert or silence request: not there, not valid (the field is named), or not now.</summary>
public enum AlertProblem
{
    NotFound,
    Invalid,
    Conflict,
}

/// <summary>A refused alert or silence command; <see cref="Field"/> names the request field at fault (Invalid).</summary>
public sealed class AlertRequestException(AlertProblem problem, string field, string message) : Exception(message)
{
    public AlertProblem Problem { get; } = problem;

    public string Field { get; } = field;

    public static AlertRequestException NotFound(string what) => new(AlertProblem.NotFound, "id", $"No {what} with this id.");

    public static AlertRequestException Invalid(string field, string message) => new(AlertProblem.Invalid, field, message);

    public static AlertRequestException Conflict(string message) => new(AlertProblem.Conflict, "id", message);
}

/// <summary>One silence matcher as a request carries it: label name, operator (=, !=, =~, !~) and value.</summary>
public sealed record SilenceMatcher(string Name, string Op, string Value)
{
    public override string ToString() => $"{Name}{Op}\"{Value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)}\"";
}

/// <summary>A new silence: matchers, a window (start default now; an end or a duration), a mandatory comment.</summary>
public sealed record SilenceRequest(
    IReadOnlyList<SilenceMatcher>? Matchers,
    DateTimeOffset? StartsAt,
    DateTimeOffset? EndsAt,
    TimeSpan? Duration,
    string? Comment,
    bool Maintenance = false);

public enum SilenceState
{
    Pending,
    Active,
    Expired,
}

/// <summary>A stored silence with its compiled matchers.</summary>
public sealed record Silence(
    Guid Id,
    IReadOnlyList<SilenceMatcher> Matchers,
    DateTimeOffset StartsAt,
    DateTimeOffset EndsAt,
    string Comment,
    string CreatedBy,
    DateTimeOffset CreatedAt,
    bool Maintenance,
    string? ExpiredBy,
    DateTimeOffset UpdatedAt)
{
    private IReadOnlyList<LabelMatcher>? _compiled;

    public IReadOnlyList<LabelMatcher> Compiled => _compiled ??= [.. Matchers.Select(m => AlertMatchers.Create(m.Name, m.Op, m.Value))];

    public SilenceState StateAt(DateTimeOffset now) =>
        now < StartsAt ? SilenceState.Pending : now < EndsAt ? SilenceState.Active : SilenceState.Expired;

    public bool IsActiveAt(DateTimeOffset now) => StateAt(now) == SilenceState.Active;

    public bool Matches(LabelSet labels) => AlertMatchers.MatchesAll(Compiled, labels);

    internal static Silence From(StoredSilence row) => new(
        row.Id,
        JsonSerializer.Deserialize<List<SilenceMatcher>>(row.Matchers, AlertStoreModel.Json) ?? [],
        row.StartsAt,
        row.EndsAt,
        row.Comment,
        row.CreatedBy,
        row.CreatedAt,
        row.Maintenance,
        row.ExpiredBy,
        row.UpdatedAt);
}

/// <summary>Checks a silence request the way Alertmanager does, naming the field at fault.</summary>
public static partial class SilenceValidation
{
    public const int MaxMatchers = 32;
    public const int MaxValueLength = 1024;
    public static readonly TimeSpan MaxDuration = TimeSpan.FromDays(366);

    /// <summary>The matchers (compiled) and the window; a start in the past becomes now, as in Alertmanager.</summary>
    public static (IReadOnlyList<SilenceMatcher> Matchers, DateTimeOffset StartsAt, DateTimeOffset EndsAt, string Comment) Validate(SilenceRequest request, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(request);
        var matchers = ValidateMatchers(request.Matchers);
        var comment = request.Comment?.Trim() ?? "";
        if (comment.Length == 0)
        {
            throw AlertRequestException.Invalid("comment", "A silence needs a comment saying why (and for how long) it is there.");
        }

        if (comment.Length > AlertLimits.NoteLength)
        {
            throw AlertRequestException.Invalid("comment", $"The comment is longer than {AlertLimits.NoteLength} characters.");
        }

        var startsAt = request.StartsAt is { } start && start > now ? start : now;
        var endsAt = End(startsAt, request.EndsAt, request.Duration, now);
        return (matchers, startsAt, endsAt, comment);
    }

    /// <summary>The new end of an extended silence: later than now and than its start.</summary>
    public static DateTimeOffset ValidateExtension(Silence silence, DateTimeOffset? endsAt, TimeSpan? duration, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(silence);
        if (endsAt is null && duration is null)
        {
            throw AlertRequestException.Invalid("endsAt", "Give the new end (endsAt) or how much longer (duration).");
        }

        // A duration extends from the current end (or from now for a silence that already ended).
        var from = silence.EndsAt > now ? silence.EndsAt : now;
        var end = endsAt ?? from + duration!.Value;
        if (duration is { } d && (d <= TimeSpan.Zero || d > MaxDuration))
        {
            throw AlertRequestException.Invalid("duration", $"The duration must be more than zero and at most {MaxDuration.TotalDays:0} days.");
        }

        if (end <= now || end <= silence.StartsAt)
        {
            throw AlertRequestException.Invalid("endsAt", "The new end must be in the future and after the silence's start.");
        }

        if (end - silence.StartsAt > MaxDuration)
        {
            throw AlertRequestException.Invalid("endsAt", $"A silence may last at most {MaxDuration.TotalDays:0} days.");
        }

        return end;
    }

    public static IReadOnlyList<SilenceMatcher> ValidateMatchers(IReadOnlyList<SilenceMatcher>? matchers)
    {
        if (matchers is null || matchers.Count == 0)
        {
            throw AlertRequestException.Invalid("matchers", "A silence needs at least one matcher.");
        }

        if (matchers.Count > MaxMatchers)
        {
            throw AlertRequestException.Invalid("matchers", $"A silence may have at most {MaxMatchers} matchers.");
        }

        var compiled = new List<LabelMatcher>(matchers.Count);
        for (var i = 0; i < matchers.Count; i++)
        {
            var m = matchers[i];
            if (m is null)
            {
                throw AlertRequestException.Invalid(Field(i, "name"), "A matcher is missing.");
            }

            if ((m.Value?.Length ?? 0) > MaxValueLength)
            {
                throw AlertRequestException.Invalid(Field(i, "value"), $"The value is longer than {MaxValueLength} characters.");
            }

            try
            {
                compiled.Add(AlertMatchers.Create(m.Name, m.Op, m.Value));
            }
            catch (AlertMatcherException ex)
            {
                throw AlertRequestException.Invalid(Field(i, ex.Field), ex.Message);
            }
        }

        // Alertmanager's rule: a silence of only empty-matching matchers (job=~".*", x="") would silence every alert.
        if (compiled.All(AlertMatchers.MatchesEmpty))
        {
            throw AlertRequestException.Invalid("matchers", "At least one matcher must not match the empty string (otherwise the silence would match every alert).");
        }

        return [.. matchers.Select(m => new SilenceMatcher(m.Name, m.Op, m.Value))];
    }

    /// <summary>A Prometheus duration (<c>90m</c>, <c>2h30m</c>, <c>1d</c>, <c>1w</c>) or a .NET time span (<c>02:00:00</c>).</summary>
    public static TimeSpan ParseDuration(string? text, string field)
    {
        var trimmed = text?.Trim() ?? "";
        if (TimeSpan.TryParseExact(trimmed, "c", CultureInfo.InvariantCulture, out var span))
        {
            return span;
        }

        var match = PromDuration().Match(trimmed);
        if (trimmed.Length == 0 || !match.Success)
        {
            throw AlertRequestException.Invalid(field, $"\"{text}\" is not a duration (for example 90m, 2h30m, 1d or 02:00:00).");
        }

        double Part(string name, double unit) =>
            match.Groups[name].Success ? double.Parse(match.Groups[name].Value, CultureInfo.InvariantCulture) * unit : 0;
        var ms = Part("w", 604_800_000) + Part("d", 86_400_000) + Part("h", 3_600_000) + Part("m", 60_000) + Part("s", 1000) + Part("ms", 1);
        return ms > MaxDuration.TotalMilliseconds * 2
            ? throw AlertRequestException.Invalid(field, $"\"{text}\" is longer than {MaxDuration.TotalDays:0} days.")
            : TimeSpan.FromMilliseconds(ms);
    }

    private static DateTimeOffset End(DateTimeOffset startsAt, DateTimeOffset? endsAt, TimeSpan? duration, DateTimeOffset now)
    {
        if (endsAt is not null && duration is not null)
        {
            throw AlertRequestException.Invalid("duration", "Give either endsAt or duration, not both.");
        }

        if (duration is { } d)
        {
            if (d <= TimeSpan.Zero || d > MaxDuration)
            {
                throw AlertRequestException.Invalid("duration", $"The duration must be more than zero and at most {MaxDuration.TotalDays:0} days.");
            }

            return startsAt + d;
        }

        if (endsAt is not { } end)
        {
            throw AlertRequestException.Invalid("endsAt", "A silence needs an end (endsAt) or a duration.");
        }

        if (end <= startsAt || end <= now)
        {
            throw AlertRequestException.Invalid("endsAt", "The end must be after the start and in the future.");
        }

        if (end - startsAt > MaxDuration)
        {
            throw AlertRequestException.Invalid("endsAt", $"A silence may last at most {MaxDuration.TotalDays:0} days.");
        }

        return end;
    }

    private static string Field(int index, string part) => $"matchers[{index}].{part}";

    [GeneratedRegex("^(?:(?<w>[0-9]+)w)?(?:(?<d>[0-9]+)d)?(?:(?<h>[0-9]+)h)?(?:(?<m>[0-9]+)m)?(?:(?<s>[0-9]+)s)?(?:(?<ms>[0-9]+)ms)?$", RegexOptions.CultureInvariant)]
    private static partial Regex PromDuration();
}
