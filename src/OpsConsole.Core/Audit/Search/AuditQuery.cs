using System.Globalization;
using System.Text.Json;

namespace OpsConsole.Core.Audit.Search;

/// <summary>A bad search or export request; <see cref="Field"/> names what to fix (the API answers 422 with it).</summary>
public sealed class AuditQueryException : ArgumentException
{
    public AuditQueryException(string field, string message)
        : base(message)
    {
        Field = field;
    }

    public AuditQueryException()
    {
        Field = "";
    }

    public AuditQueryException(string message)
        : base(message)
    {
        Field = "";
    }

    public AuditQueryException(string message, Exception innerException)
        : base(message, innerException)
    {
        Field = "";
    }

    public string Field { get; }
}

public enum ActorMatch
{
    Exact,
    Prefix,
}

/// <summary>
/// The filters of an audit search: every one optional, all combined with AND. Times are UTC, <see cref="To"/> is
/// exclusive. The actor matches the actor's name or id; the action prefix is dotted (<c>identity.user</c> matches
/// <c>identity.user</c> and <c>identity.user.created</c>, not <c>identity.users.access</c>); every word of the text
/// must be a word of the reason or the details, case-insensitively (a word ending in * matches the words it starts;
/// words are defined once, in SQL: migration AuditWordSearch).
/// </summary>
public sealed record AuditQuery
{
    public const int MaxPageSize = 200;
    public const int DefaultPageSize = 50;
    public const int MinTextLength = 3;
    public const int MaxValueLength = 256;

    public static AuditQuery None { get; } = new();

    public DateTimeOffset? From { get; init; }

    public DateTimeOffset? To { get; init; }

    public string? Actor { get; init; }

    public ActorMatch ActorMatch { get; init; } = ActorMatch.Exact;

    public string? ActionPrefix { get; init; }

    public string? TargetType { get; init; }

    public string? TargetId { get; init; }

    public string? Outcome { get; init; }

    public string? Text { get; init; }

    public bool IsEmpty => Normalize() == None;

    /// <summary>Trims, drops empty values and checks every field; throws <see cref="AuditQueryException"/> naming the field.</summary>
    public AuditQuery Normalize()
    {
        var from = From?.ToUniversalTime();
        var to = To?.ToUniversalTime();
        if (from is { } f && to is { } t && f >= t)
        {
            throw new AuditQueryException("to", "'to' must be later than 'from'.");
        }

        var action = Clean(ActionPrefix, "action")?.TrimEnd('*').TrimEnd('.');
        if (action is not null && (action.Length == 0 || action.Contains("..", StringComparison.Ordinal) || action.StartsWith('.')))
        {
            throw new AuditQueryException("action", "'action' must be a dotted action prefix such as 'identity.user'.");
        }

        var outcome = Clean(Outcome, "outcome")?.ToLowerInvariant();
        if (outcome is not null && outcome is not (AuditOutcome.Succeeded or AuditOutcome.Failed or AuditOutcome.Denied))
        {
            throw new AuditQueryException("outcome", $"'outcome' must be {AuditOutcome.Succeeded}, {AuditOutcome.Failed} or {AuditOutcome.Denied} (not '{Outcome}').");
        }

        var text = Clean(Text, "text");
        if (text is not null && text.Length < MinTextLength)
        {
            throw new AuditQueryException("text", $"'text' needs at least {MinTextLength} characters.");
        }

        if (text is not null && !text.Any(char.IsLetterOrDigit))
        {
            throw new AuditQueryException("text", "'text' must contain a word (letters or digits); it matches whole words, and a word ending in * matches the words it starts.");
        }

        if (!Enum.IsDefined(ActorMatch))
        {
            throw new AuditQueryException("actorMatch", "'actorMatch' must be 'exact' or 'prefix'.");
        }

        return new AuditQuery
        {
            From = from,
            To = to,
            Actor = Clean(Actor, "actor"),
            ActorMatch = Clean(Actor, "actor") is null ? ActorMatch.Exact : ActorMatch,
            ActionPrefix = action,
            TargetType = Clean(TargetType, "targetType"),
            TargetId = Clean(TargetId, "targetId"),
            Outcome = outcome,
            Text = text,
        };
    }

    /// <summary>True when <paramref name="action"/> is <see cref="ActionPrefix"/> or one of its dotted descendants.</summary>
    public static bool ActionMatches(string prefix, string action) =>
        action.Length == prefix.Length
            ? string.Equals(action, prefix, StringComparison.Ordinal)
            : action.StartsWith(prefix, StringComparison.Ordinal) && action[prefix.Length] == '.';

    /// <summary>The filter as ordered key/value pairs (only the set ones): the audit record's details and the dedup key.</summary>
    public IReadOnlyDictionary<string, string?> Describe()
    {
        var q = Normalize();
        var result = new SortedDictionary<string, string?>(StringComparer.Ordinal);
        void Add(string key, string? value)
        {
            if (value is not null)
            {
                result[key] = value;
            }
        }

        Add("from", q.From?.ToString("O", CultureInfo.InvariantCulture));
        Add("to", q.To?.ToString("O", CultureInfo.InvariantCulture));
        Add("actor", q.Actor);
        Add("actorMatch", q.Actor is null ? null : q.ActorMatch == ActorMatch.Prefix ? "prefix" : "exact");
        Add("action", q.ActionPrefix);
        Add("targetType", q.TargetType);
        Add("targetId", q.TargetId);
        Add("outcome", q.Outcome);
        Add("text", q.Text);
        return result;
    }

    /// <summary>A stable text of the filter (sorted JSON), equal for equal filters.</summary>
    public string Fingerprint() => JsonSerializer.Serialize(Describe());

    /// <summary>
    /// Builds a query from text values as they come from a query string or a form: ISO 8601 times (a time without an
    /// offset is UTC), <c>exact</c>/<c>prefix</c>. Throws <see cref="AuditQueryException"/> naming the bad field.
    /// </summary>
    public static AuditQuery Parse(
        string? from = null, string? to = null, string? actor = null, string? actorMatch = null, string? action = null,
        string? targetType = null, string? targetId = null, string? outcome = null, string? text = null) =>
        new AuditQuery
        {
            From = ParseTime(from, "from"),
            To = ParseTime(to, "to"),
            Actor = actor,
            ActorMatch = string.IsNullOrWhiteSpace(actorMatch)
                ? ActorMatch.Exact
                : actorMatch.Trim().ToLowerInvariant() switch
                {
                    "exact" => ActorMatch.Exact,
                    "prefix" => ActorMatch.Prefix,
                    _ => throw new AuditQueryException("actorMatch", "'actorMatch' must be 'exact' or 'prefix'."),
                },
            ActionPrefix = action,
            TargetType = targetType,
            TargetId = targetId,
            Outcome = outcome,
            Text = text,
        }.Normalize();

    /// <summary>Checks a page request: cursor (the last sequence seen) positive, page size 1..<see cref="MaxPageSize"/>.</summary>
    public static (long? Cursor, int PageSize) ParsePaging(string? cursor, string? limit)
    {
        long? parsedCursor = null;
        if (!string.IsNullOrWhiteSpace(cursor))
        {
            if (!long.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out var c) || c < 1)
            {
                throw new AuditQueryException("cursor", "'cursor' must be a record sequence number (a positive integer) from 'nextCursor'.");
            }

            parsedCursor = c;
        }

        var pageSize = DefaultPageSize;
        if (!string.IsNullOrWhiteSpace(limit) && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out pageSize)))
        {
            throw new AuditQueryException("limit", $"'limit' must be an integer from 1 to {MaxPageSize}.");
        }

        ValidatePageSize(pageSize);
        return (parsedCursor, pageSize);
    }

    public static void ValidatePageSize(int pageSize)
    {
        if (pageSize is < 1 or > MaxPageSize)
        {
            throw new AuditQueryException("limit", $"'limit' must be an integer from 1 to {MaxPageSize}.");
        }
    }

    private static DateTimeOffset? ParseTime(string? value, string field)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        return DateTimeOffset.TryParse(value.Trim(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed)
            ? parsed
            : throw new AuditQueryException(field, $"'{field}' must be an ISO 8601 time, e.g. 2026-05-01T12:00:00Z.");
    }

    private static string? Clean(string? value, string field)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        var trimmed = value.Trim();
        return trimmed.Length > MaxValueLength
            ? throw new AuditQueryException(field, $"'{field}' is longer than {MaxValueLength} characters.")
            : trimmed;
    }
}
