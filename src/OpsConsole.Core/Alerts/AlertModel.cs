using System.Globalization;

namespace OpsConsole.Core.Alerts;

/// <summary>Where an alert comes from: the console's own rule evaluation, an Alertmanager webhook, or the console itself (its alert board).</summary>
public enum AlertSource
{
    Rule,
    Alertmanager,
    Console,
}

/// <summary>Prometheus's alert states: pending (condition true, <c>for</c> not yet elapsed), firing, resolved.</summary>
public enum AlertState
{
    Pending,
    Firing,
    Resolved,
}

/// <summary>
/// An alert's identity: its labels, sorted by name, with the fingerprint Prometheus and Alertmanager compute for the
/// same set (FNV-1a 64 over name, 0xFF, value, 0xFF per label, as 16 hex digits), so an alert evaluated here and the
/// same alert received from Alertmanager have the same fingerprint.
/// </summary>
public sealed class LabelSet : IEquatable<LabelSet>
{
    private const ulong FnvOffset = 14695981039346656037;
    private const ulong FnvPrime = 1099511628211;
    private const byte Separator = 0xFF;

    private readonly KeyValuePair<string, string>[] _labels;

    public LabelSet(IEnumerable<KeyValuePair<string, string>> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        // Empty values are "label absent" in Prometheus's data model.
        _labels = [.. labels.Where(l => l.Value.Length > 0).OrderBy(l => l.Key, StringComparer.Ordinal)];
        for (var i = 1; i < _labels.Length; i++)
        {
            if (string.Equals(_labels[i - 1].Key, _labels[i].Key, StringComparison.Ordinal))
            {
                throw new ArgumentException($"label '{_labels[i].Key}' appears twice", nameof(labels));
            }
        }

        Fingerprint = ComputeFingerprint(_labels);
    }

    public static LabelSet Empty { get; } = new([]);

    /// <summary>Sorted by name; no empty values.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Labels => _labels;

    public string Fingerprint { get; }

    public int Count => _labels.Length;

    public string? this[string name]
    {
        get
        {
            foreach (var label in _labels)
            {
                if (string.Equals(label.Key, name, StringComparison.Ordinal))
                {
                    return label.Value;
                }
            }

            return null;
        }
    }

    public static LabelSet Of(params (string Name, string Value)[] labels) =>
        new(labels.Select(l => new KeyValuePair<string, string>(l.Name, l.Value)));

    public bool Equals(LabelSet? other) =>
        other is not null && _labels.AsSpan().SequenceEqual(other._labels.AsSpan());

    public override bool Equals(object? obj) => Equals(obj as LabelSet);

    public override int GetHashCode() => Fingerprint.GetHashCode(StringComparison.Ordinal);

    /// <summary>PromQL's notation: <c>{alertname="HighErrorRatio", job="sampleshop"}</c>.</summary>
    public override string ToString() =>
        "{" + string.Join(", ", _labels.Select(l => $"{l.Key}=\"{l.Value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal)}\"")) + "}";

    private static string ComputeFingerprint(KeyValuePair<string, string>[] labels)
    {
        var hash = FnvOffset;
        Span<byte> buffer = stackalloc byte[256];
        foreach (var (name, value) in labels)
        {
            hash = Add(hash, name, buffer);
            hash = (hash ^ Separator) * FnvPrime;
            hash = Add(hash, value, buffer);
            hash = (hash ^ Separator) * FnvPrime;
        }

        return hash.ToString("x16", CultureInfo.InvariantCulture);
    }

    private static ulong Add(ulong hash, string text, Span<byte> buffer)
    {
        var bytes = System.Text.Encoding.UTF8.GetByteCount(text) <= buffer.Length
            ? buffer[..System.Text.Encoding.UTF8.GetBytes(text, buffer)]
            : System.Text.Encoding.UTF8.GetBytes(text);
        foreach (var b in bytes)
        {
            hash = (hash ^ b) * FnvPrime;
        }

        return hash;
    }
}

/// <summary>
/// One alert as its producer sees it at one moment (a rule evaluation, or one entry of an Alertmanager webhook).
/// <see cref="Labels"/> include <c>alertname</c>; <see cref="Fingerprint"/> is the labels' fingerprint.
/// </summary>
/// <param name="ActiveAt">When the condition first held (Prometheus's activeAt; Alertmanager's startsAt).</param>
/// <param name="FiredAt">When it went from pending to firing, or null while pending.</param>
/// <param name="ResolvedAt">When it resolved, or null while active.</param>
/// <param name="Value">The expression's value at the last evaluation (null for ingested alerts).</param>
/// <param name="Origin">Rule: "file.yml / group / rule"; Alertmanager: its externalURL and receiver.</param>
public sealed record AlertInstance(
    AlertSource Source,
    LabelSet Labels,
    IReadOnlyDictionary<string, string> Annotations,
    AlertState State,
    DateTimeOffset ActiveAt,
    DateTimeOffset? FiredAt,
    DateTimeOffset? ResolvedAt,
    double? Value,
    string? GeneratorUrl,
    string Origin)
{
    public string Fingerprint => Labels.Fingerprint;

    public string Name => Labels["alertname"] ?? "";

    public string Severity => Labels["severity"] ?? "none";
}

/// <summary>
/// Where producers report alerts. The rule engine calls it after every evaluation of a rule with every alert the rule
/// holds (pending and firing) plus those that resolved in that evaluation; the Alertmanager webhook calls it with the
/// alerts of one notification. The alert store implements it: it records state changes (timeline, audit), applies
/// silences and inhibition, and publishes live updates.
/// </summary>
public interface IAlertSink
{
    /// <param name="ruleKey">The producer's key for this batch (rule: "file / group / index"; webhook: "alertmanager").</param>
    Task ReportAsync(string ruleKey, IReadOnlyList<AlertInstance> alerts, CancellationToken cancellationToken);
}

/// <summary>
/// Where a rule's alerts were left: the alert store's unresolved alerts for a rule key. A restarted rule engine resumes
/// the firing ones, as Prometheus restores alert state from <c>ALERTS_FOR_STATE</c>, so a restart does not send
/// firing alerts back to pending for another <c>for</c>.
/// </summary>
public interface IRuleAlertState
{
    /// <summary>The unresolved alerts of each rule key (an entry for every key asked, empty when it holds none).</summary>
    Task<IReadOnlyDictionary<string, IReadOnlyList<AlertInstance>>> HeldAsync(IReadOnlyCollection<string> ruleKeys, CancellationToken cancellationToken);
}

/// <summary>One element of an instant vector: a series' labels (without <c>__name__</c> once a function applied) and its value.</summary>
public sealed record RuleSample(LabelSet Labels, double Value);

/// <summary>
/// An expression a rule engine cannot evaluate, with where (1-based line and column within the expression). The message
/// is the reason without the position, so each place that shows both (rule health, load errors, the test box) says it once.
/// </summary>
public sealed class RuleExpressionException(string message, int line, int column) : Exception(message)
{
    public int Line { get; } = line;

    public int Column { get; } = column;
}

/// <summary>
/// Evaluates alerting expressions at an instant: the console's own PromQL subset over its metric store, or a configured
/// Prometheus (full PromQL). Rules, the rules page's "test" box and the rule-file loader go through it.
/// </summary>
public interface IRuleQueryEngine
{
    /// <summary>Who evaluates ("console", or "Prometheus at …"), for the rules page.</summary>
    string Description { get; }

    /// <summary>Throws <see cref="RuleExpressionException"/> when the expression cannot be evaluated by this engine.</summary>
    void Validate(string expression);

    /// <summary>The expression's instant vector at <paramref name="at"/> (a scalar result is one sample with no labels).</summary>
    Task<IReadOnlyList<RuleSample>> EvaluateAsync(string expression, DateTimeOffset at, CancellationToken cancellationToken);
}
