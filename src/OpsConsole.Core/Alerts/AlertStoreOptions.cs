using Microsoft.Extensions.Options;
using OpsConsole.Core.Metrics.Query;

namespace OpsConsole.Core.Alerts;

/// <summary>
/// <c>Alerts</c>: the alert store's settings (rule files are the rule engine's part of the same section): webhook
/// tokens, inhibition rules, outward receivers, history retention.
/// </summary>
public sealed class AlertStoreOptions
{
    public const string Section = "Alerts";

    public AlertmanagerIngestOptions Alertmanager { get; set; } = new();

    /// <summary>Alertmanager-style inhibition rules.</summary>
    public List<InhibitRuleOptions> Inhibit { get; set; } = [];

    /// <summary>Outward webhook receivers (Alertmanager's version-4 payload).</summary>
    public List<ReceiverOptions> Receivers { get; set; } = [];

    /// <summary>How long resolved alerts, their timelines, expired silences and the delivery log are kept.</summary>
    public TimeSpan HistoryRetention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>How long an expired silence stays in the silence list ("recently expired").</summary>
    public TimeSpan RecentlyExpiredSilences { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How often the history purge runs.</summary>
    public TimeSpan PurgeInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The console's address in outward payloads (externalURL, alert links); empty: the address it listens on.</summary>
    public string? ExternalUrl { get; set; }

    public NotifyOptions Notify { get; set; } = new();

    /// <summary>The inhibition rules, parsed (call on validated options only).</summary>
    public IReadOnlyList<InhibitRule> InhibitRules() =>
        [.. Inhibit.Select(r => new InhibitRule(
            [.. r.SourceMatchers.Select(AlertMatchers.Parse)],
            [.. r.TargetMatchers.Select(AlertMatchers.Parse)],
            [.. r.Equal.Select(e => e.Trim())]))];

    /// <summary>The receivers, parsed (call on validated options only).</summary>
    public IReadOnlyList<AlertReceiver> ParsedReceivers() =>
        [.. Receivers.Select(r => new AlertReceiver(
            r.Name.Trim(),
            new Uri(r.Url, UriKind.Absolute),
            string.IsNullOrEmpty(r.BearerToken) ? null : r.BearerToken,
            [.. r.Matchers.Select(AlertMatchers.Parse)],
            r.GroupBy.Any(g => g.Trim() == "...") ? null : [.. r.GroupBy.Select(g => g.Trim())],
            r.SendResolved,
            r.GroupWait))];
}

public sealed class AlertmanagerIngestOptions
{
    /// <summary>
    /// Bearer tokens accepted on <c>POST /api/v1/alerts/alertmanager</c>, by a name for each sender (the name is the
    /// audit actor, "alertmanager:&lt;name&gt;"). Console API tokens of a role with <c>console.alerts.act</c> work too.
    /// </summary>
    public Dictionary<string, string> BearerTokens { get; set; } = new(StringComparer.Ordinal);
}

public sealed class InhibitRuleOptions
{
    public List<string> SourceMatchers { get; set; } = [];

    public List<string> TargetMatchers { get; set; } = [];

    public List<string> Equal { get; set; } = [];
}

public sealed class ReceiverOptions
{
    public string Name { get; set; } = "";

    public string Url { get; set; } = "";

    public string? BearerToken { get; set; }

    /// <summary>The route: alerts matching every matcher go to this receiver (none: every alert).</summary>
    public List<string> Matchers { get; set; } = [];

    /// <summary>Labels that split alerts into groups (one notification per group); "..." groups by every label; empty: one group.</summary>
    public List<string> GroupBy { get; set; } = [];

    public bool SendResolved { get; set; } = true;

    /// <summary>How long a new notification waits for more changes of its group before it is sent.</summary>
    public TimeSpan GroupWait { get; set; } = TimeSpan.FromSeconds(10);
}

public sealed class NotifyOptions
{
    /// <summary>Attempts per notification (the first and its retries, with exponential backoff and jitter).</summary>
    public int MaxAttempts { get; set; } = 5;

    /// <summary>The first retry's delay; each next one doubles it.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long one attempt may take.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>An inhibition rule: a firing source alert mutes matching targets whose <see cref="Equal"/> labels have the same values.</summary>
public sealed record InhibitRule(IReadOnlyList<LabelMatcher> SourceMatchers, IReadOnlyList<LabelMatcher> TargetMatchers, IReadOnlyList<string> Equal);

/// <param name="GroupBy">Null: group by every label (Alertmanager's "...").</param>
public sealed record AlertReceiver(
    string Name, Uri Url, string? BearerToken, IReadOnlyList<LabelMatcher> Matchers, IReadOnlyList<string>? GroupBy, bool SendResolved, TimeSpan GroupWait);

/// <summary>Startup validation: a bad matcher, URL or duration stops the console and names its key.</summary>
public sealed class AlertStoreOptionsValidator : IValidateOptions<AlertStoreOptions>
{
    /// <summary>Webhook tokens are secrets; a short one is guessable.</summary>
    public const int MinimumTokenLength = 16;

    public ValidateOptionsResult Validate(string? name, AlertStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        const string S = AlertStoreOptions.Section;
        foreach (var (sender, token) in options.Alertmanager.BearerTokens)
        {
            if ((token?.Trim().Length ?? 0) < MinimumTokenLength)
            {
                failures.Add($"{S}:Alertmanager:BearerTokens:{sender} must be at least {MinimumTokenLength} characters.");
            }
        }

        for (var i = 0; i < options.Inhibit.Count; i++)
        {
            var rule = options.Inhibit[i];
            var key = $"{S}:Inhibit:{i}";
            Matchers(rule.SourceMatchers, $"{key}:SourceMatchers", failures);
            Matchers(rule.TargetMatchers, $"{key}:TargetMatchers", failures);
            if (rule.SourceMatchers.Count == 0)
            {
                failures.Add($"{key}:SourceMatchers needs at least one matcher.");
            }

            if (rule.TargetMatchers.Count == 0)
            {
                failures.Add($"{key}:TargetMatchers needs at least one matcher.");
            }

            for (var j = 0; j < rule.Equal.Count; j++)
            {
                if (string.IsNullOrWhiteSpace(rule.Equal[j]))
                {
                    failures.Add($"{key}:Equal:{j} must name a label.");
                }
            }
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < options.Receivers.Count; i++)
        {
            var receiver = options.Receivers[i];
            var key = $"{S}:Receivers:{i}";
            if (string.IsNullOrWhiteSpace(receiver.Name))
            {
                failures.Add($"{key}:Name is required.");
            }
            else if (!names.Add(receiver.Name.Trim()))
            {
                failures.Add($"{key}:Name \"{receiver.Name}\" is used by another receiver.");
            }

            if (!Uri.TryCreate(receiver.Url, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
            {
                failures.Add($"{key}:Url must be an absolute http(s) URL (got \"{receiver.Url}\").");
            }

            Matchers(receiver.Matchers, $"{key}:Matchers", failures);
            for (var j = 0; j < receiver.GroupBy.Count; j++)
            {
                if (string.IsNullOrWhiteSpace(receiver.GroupBy[j]))
                {
                    failures.Add($"{key}:GroupBy:{j} must name a label (or be \"...\").");
                }
            }

            if (receiver.GroupWait < TimeSpan.Zero || receiver.GroupWait > TimeSpan.FromHours(1))
            {
                failures.Add($"{key}:GroupWait must be between 00:00:00 and 01:00:00 (got {receiver.GroupWait:c}).");
            }
        }

        if (options.HistoryRetention < TimeSpan.FromHours(1))
        {
            failures.Add($"{S}:HistoryRetention must be at least 01:00:00 (got {options.HistoryRetention:c}).");
        }

        if (options.RecentlyExpiredSilences < TimeSpan.Zero || options.RecentlyExpiredSilences > options.HistoryRetention)
        {
            failures.Add($"{S}:RecentlyExpiredSilences must be between 00:00:00 and Alerts:HistoryRetention (got {options.RecentlyExpiredSilences:c}).");
        }

        if (options.PurgeInterval < TimeSpan.FromSeconds(1))
        {
            failures.Add($"{S}:PurgeInterval must be at least 00:00:01 (got {options.PurgeInterval:c}).");
        }

        if (!string.IsNullOrWhiteSpace(options.ExternalUrl)
            && (!Uri.TryCreate(options.ExternalUrl, UriKind.Absolute, out var external) || external.Scheme is not ("http" or "https")))
        {
            failures.Add($"{S}:ExternalUrl must be an absolute http(s) URL (got \"{options.ExternalUrl}\").");
        }

        if (options.Notify.MaxAttempts is < 1 or > 20)
        {
            failures.Add($"{S}:Notify:MaxAttempts must be between 1 and 20 (got {options.Notify.MaxAttempts}).");
        }

        if (options.Notify.RetryDelay <= TimeSpan.Zero || options.Notify.RetryDelay > TimeSpan.FromMinutes(5))
        {
            failures.Add($"{S}:Notify:RetryDelay must be more than zero and at most 00:05:00 (got {options.Notify.RetryDelay:c}).");
        }

        if (options.Notify.Timeout <= TimeSpan.Zero || options.Notify.Timeout > TimeSpan.FromMinutes(5))
        {
            failures.Add($"{S}:Notify:Timeout must be more than zero and at most 00:05:00 (got {options.Notify.Timeout:c}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Matchers(List<string> matchers, string key, List<string> failures)
    {
        for (var j = 0; j < matchers.Count; j++)
        {
            try
            {
                AlertMatchers.Parse(matchers[j]);
            }
            catch (AlertMatcherException ex)
            {
                failures.Add($"{key}:{j}: {ex.Message}");
            }
        }
    }
}
