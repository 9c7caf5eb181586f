using System.Globalization;
using OpsConsole.Core.Alerts;
using OpsConsole.Core.Metrics.Query;

namespace OpsConsole.Web.Features.Alerts;

/// <summary>One matcher row of the silence form.</summary>
public sealed class SilenceMatcherRow
{
    public string Name { get; set; } = "";

    public string Op { get; set; } = "=";

    public string Value { get; set; } = "";
}

/// <summary>
/// The silence form's state and its checks. Every check is Core's (<see cref="SilenceValidation"/>), so the form and
/// the API refuse the same things with the same words; Core stops at the first problem, so the form asks it once per
/// part to show every field's message at once. Times are typed in UTC as <c>yyyy-MM-dd HH:mm</c>.
/// </summary>
public sealed class SilenceDraft
{
    public const string TimeFormat = "yyyy-MM-dd HH:mm";
    public const string StartsAtField = "startsAt";
    public const string EndsAtField = "endsAt";
    public const string DurationField = "duration";
    public const string CommentField = "comment";
    public const string MatchersField = "matchers";

    private static readonly string[] TimeFormats = [TimeFormat, "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ssK", "O"];

    public List<SilenceMatcherRow> Matchers { get; } = [];

    /// <summary>Empty: now.</summary>
    public string StartsAt { get; set; } = "";

    /// <summary>True: the end is <see cref="Duration"/> after the start; false: <see cref="EndsAt"/>.</summary>
    public bool UseDuration { get; set; } = true;

    public string Duration { get; set; } = "2h";

    public string EndsAt { get; set; } = "";

    public string Comment { get; set; } = "";

    public bool Maintenance { get; set; }

    /// <summary>An empty form with one blank matcher row.</summary>
    public static SilenceDraft Blank()
    {
        var draft = new SilenceDraft();
        draft.Matchers.Add(new SilenceMatcherRow());
        return draft;
    }

    /// <summary>Pre-filled from an alert: each of its labels as an <c>=</c> matcher (Alertmanager's "silence this alert").</summary>
    public static SilenceDraft FromLabels(LabelSet labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var draft = new SilenceDraft();
        draft.Matchers.AddRange(labels.Labels.Select(l => new SilenceMatcherRow { Name = l.Key, Op = "=", Value = l.Value }));
        if (draft.Matchers.Count == 0)
        {
            draft.Matchers.Add(new SilenceMatcherRow());
        }

        return draft;
    }

    public IReadOnlyList<SilenceMatcher> MatcherList() => [.. Matchers.Select(m => new SilenceMatcher(m.Name.Trim(), m.Op, m.Value))];

    /// <summary>The request to send; throws <see cref="AlertRequestException"/> naming a time or duration that cannot be read.</summary>
    public SilenceRequest ToRequest()
    {
        var startsAt = ParseTime(StartsAt, StartsAtField);
        DateTimeOffset? endsAt = null;
        TimeSpan? duration = null;
        if (UseDuration)
        {
            duration = string.IsNullOrWhiteSpace(Duration)
                ? throw AlertRequestException.Invalid(DurationField, "Give a duration (for example 2h, 90m or 1d).")
                : SilenceValidation.ParseDuration(Duration, DurationField);
        }
        else
        {
            endsAt = ParseTime(EndsAt, EndsAtField) ?? throw AlertRequestException.Invalid(EndsAtField, $"Give the end in UTC as {TimeFormat}.");
        }

        return new SilenceRequest(MatcherList(), startsAt, endsAt, duration, Comment, Maintenance);
    }

    /// <summary>Every field's problem at <paramref name="now"/>, keyed by Core's field names (<c>matchers[1].value</c>, <c>comment</c>, …).</summary>
    public IReadOnlyDictionary<string, string> Check(DateTimeOffset now)
    {
        var errors = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            SilenceValidation.ValidateMatchers(MatcherList());
        }
        catch (AlertRequestException ex)
        {
            errors[ex.Field] = ex.Message;
        }

        SilenceRequest? request = null;
        try
        {
            request = ToRequest();
        }
        catch (AlertRequestException ex)
        {
            errors[ex.Field] = ex.Message;
        }

        // Stand-ins for the parts already judged (the matchers; a time that could not be read) let Core go on to the rest.
        var probe = (request ?? new SilenceRequest([], null, null, TimeSpan.FromHours(1), Comment, Maintenance))
            with { Matchers = [new SilenceMatcher("alertname", "=", "form-check")] };
        return WithComment(errors, probe, now);
    }

    /// <summary>The alerts the matchers select among <paramref name="alerts"/> (current ones), or null while a matcher is invalid.</summary>
    public int? CountMatching(IEnumerable<AlertView> alerts)
    {
        ArgumentNullException.ThrowIfNull(alerts);
        IReadOnlyList<LabelMatcher> compiled;
        try
        {
            compiled = [.. SilenceValidation.ValidateMatchers(MatcherList()).Select(m => AlertMatchers.Create(m.Name, m.Op, m.Value))];
        }
        catch (AlertRequestException)
        {
            return null;
        }

        return alerts.Count(a => a.State != AlertState.Resolved && AlertMatchers.MatchesAll(compiled, a.Labels));
    }

    /// <summary>Core's verdict on the comment and window; a comment error is recorded and the window still checked.</summary>
    private static Dictionary<string, string> WithComment(Dictionary<string, string> errors, SilenceRequest request, DateTimeOffset now)
    {
        for (var attempt = 0; attempt < 2; attempt++)
        {
            try
            {
                SilenceValidation.Validate(request, now);
                return errors;
            }
            catch (AlertRequestException ex)
            {
                errors.TryAdd(ex.Field, ex.Message);
                if (ex.Field != CommentField)
                {
                    return errors;
                }

                request = request with { Comment = "form-check" };
            }
        }

        return errors;
    }

    private static DateTimeOffset? ParseTime(string? text, string field)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        return DateTimeOffset.TryParseExact(text.Trim(), TimeFormats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value)
            ? value
            : throw AlertRequestException.Invalid(field, $"\"{text}\" is not a time; write it in UTC as {TimeFormat}.");
    }
}
