using System.Numerics;
using System.Text;

namespace OpsConsole.Core.Metrics.PromQl;

/// <summary>One element of an intermediate vector: the metric name apart (dropping it allocates nothing) and labels sorted by name.</summary>
internal struct EvalSample(string? name, KeyValuePair<string, string>[] labels, double value)
{
    public string? Name = name;
    public KeyValuePair<string, string>[] Labels = labels;
    public double Value = value;
}

/// <summary>
/// Which labels identify a match group: only <see cref="Names"/> (<c>on</c>, <c>by</c>), or all but them
/// (<c>ignoring</c>, <c>without</c>; the metric name only when <see cref="IncludeName"/>). Names are sorted.
/// </summary>
internal readonly struct LabelSelection(bool only, string[] names, bool includeName)
{
    public readonly bool Only = only;
    public readonly string[] Names = names;
    public readonly bool IncludeName = includeName;

    /// <summary>Every label and the metric name: the whole labelset.</summary>
    public static LabelSelection All { get; } = new(false, [], true);
}

/// <summary>
/// Label handling on label arrays that are never modified once built (the store's own arrays are shared into results).
/// Empty values mean "absent", as in Prometheus. Hashes are in-process only and always confirmed by comparison.
/// </summary>
internal static class EvalLabels
{
    public const string MetricNameLabel = "__name__";

    public static readonly KeyValuePair<string, string>[] Empty = [];

    public static string? Get(KeyValuePair<string, string>[] labels, string name)
    {
        foreach (var label in labels)
        {
            if (string.Equals(label.Key, name, StringComparison.Ordinal))
            {
                return label.Value.Length == 0 ? null : label.Value;
            }
        }

        return null;
    }

    public static string? Get(in EvalSample sample, string name) =>
        string.Equals(name, MetricNameLabel, StringComparison.Ordinal) ? NullIfEmpty(sample.Name) : Get(sample.Labels, name);

    public static bool Contains(string[] names, string name)
    {
        foreach (var n in names)
        {
            if (string.Equals(n, name, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    public static ulong Hash(in EvalSample sample, in LabelSelection selection)
    {
        var hash = 0xcbf29ce484222325UL;
        if (selection.Only)
        {
            foreach (var name in selection.Names)
            {
                hash = Mix(hash, Get(sample, name)?.GetHashCode(StringComparison.Ordinal) ?? 0);
            }

            return hash;
        }

        if (selection.IncludeName && !string.IsNullOrEmpty(sample.Name))
        {
            hash = Mix(hash, sample.Name.GetHashCode(StringComparison.Ordinal));
        }

        foreach (var (key, value) in sample.Labels)
        {
            if (value.Length == 0 || (selection.Names.Length > 0 && Contains(selection.Names, key)))
            {
                continue;
            }

            // The name's length and first letter are enough to tell names apart in practice; equality is checked anyway.
            hash = Mix(Mix(hash, (key.Length << 8) | key[0]), value.GetHashCode(StringComparison.Ordinal));
        }

        return hash;
    }

    /// <summary>The hash <see cref="Hash"/> gives for a <c>by</c>/<c>on</c> selection whose values were already looked up.</summary>
    public static ulong HashValues(ReadOnlySpan<string?> values)
    {
        var hash = 0xcbf29ce484222325UL;
        foreach (var value in values)
        {
            hash = Mix(hash, value?.GetHashCode(StringComparison.Ordinal) ?? 0);
        }

        return hash;
    }

    public static bool Same(in EvalSample a, in EvalSample b, in LabelSelection selection)
    {
        if (selection.Only)
        {
            foreach (var name in selection.Names)
            {
                if (!string.Equals(Get(a, name), Get(b, name), StringComparison.Ordinal))
                {
                    return false;
                }
            }

            return true;
        }

        if (selection.IncludeName && !string.Equals(NullIfEmpty(a.Name), NullIfEmpty(b.Name), StringComparison.Ordinal))
        {
            return false;
        }

        var (x, y) = (a.Labels, b.Labels);
        if (ReferenceEquals(x, y))
        {
            return true;
        }

        int i = 0, j = 0;
        while (true)
        {
            i = NextIncluded(x, i, selection.Names);
            j = NextIncluded(y, j, selection.Names);
            if (i >= x.Length || j >= y.Length)
            {
                return i >= x.Length && j >= y.Length;
            }

            if (!string.Equals(x[i].Key, y[j].Key, StringComparison.Ordinal) || !string.Equals(x[i].Value, y[j].Value, StringComparison.Ordinal))
            {
                return false;
            }

            i++;
            j++;
        }
    }

    /// <summary>Only the named labels that are present (the metric name is handled apart).</summary>
    public static KeyValuePair<string, string>[] KeepOnly(KeyValuePair<string, string>[] labels, string[] names)
    {
        var kept = 0;
        foreach (var (key, value) in labels)
        {
            if (value.Length > 0 && Contains(names, key))
            {
                kept++;
            }
        }

        if (kept == labels.Length)
        {
            return labels;
        }

        if (kept == 0)
        {
            return Empty;
        }

        var result = new KeyValuePair<string, string>[kept];
        var n = 0;
        foreach (var label in labels)
        {
            if (label.Value.Length > 0 && Contains(names, label.Key))
            {
                result[n++] = label;
            }
        }

        return result;
    }

    /// <summary>All labels but the named ones (and empty ones); the same array when nothing goes.</summary>
    public static KeyValuePair<string, string>[] Without(KeyValuePair<string, string>[] labels, string[] names)
    {
        var kept = 0;
        foreach (var (key, value) in labels)
        {
            if (value.Length > 0 && (names.Length == 0 || !Contains(names, key)))
            {
                kept++;
            }
        }

        if (kept == labels.Length)
        {
            return labels;
        }

        var result = kept == 0 ? Empty : new KeyValuePair<string, string>[kept];
        var n = 0;
        foreach (var label in labels)
        {
            if (label.Value.Length > 0 && (names.Length == 0 || !Contains(names, label.Key)))
            {
                result[n++] = label;
            }
        }

        return result;
    }

    /// <summary>Sets (or, for a null/empty value, removes) one label; a new array when anything changes.</summary>
    public static KeyValuePair<string, string>[] With(KeyValuePair<string, string>[] labels, string name, string? value)
    {
        var at = -1;
        for (var i = 0; i < labels.Length; i++)
        {
            if (string.Equals(labels[i].Key, name, StringComparison.Ordinal))
            {
                at = i;
                break;
            }
        }

        if (string.IsNullOrEmpty(value))
        {
            return at < 0 ? labels : [.. labels[..at], .. labels[(at + 1)..]];
        }

        if (at >= 0)
        {
            if (string.Equals(labels[at].Value, value, StringComparison.Ordinal))
            {
                return labels;
            }

            var copy = (KeyValuePair<string, string>[])labels.Clone();
            copy[at] = new(name, value);
            return copy;
        }

        var insert = 0;
        while (insert < labels.Length && string.CompareOrdinal(labels[insert].Key, name) < 0)
        {
            insert++;
        }

        return [.. labels[..insert], new(name, value), .. labels[insert..]];
    }

    /// <summary>Prometheus's notation, for error messages: <c>{__name__="up", job="api"}</c>.</summary>
    public static string Format(in EvalSample sample, in LabelSelection selection)
    {
        var parts = new List<KeyValuePair<string, string>>();
        if (!string.IsNullOrEmpty(sample.Name) && (selection.Only ? Contains(selection.Names, MetricNameLabel) : selection.IncludeName))
        {
            parts.Add(new(MetricNameLabel, sample.Name));
        }

        foreach (var label in sample.Labels)
        {
            if (label.Value.Length > 0 && Contains(selection.Names, label.Key) == selection.Only)
            {
                parts.Add(label);
            }
        }

        parts.Sort((p, q) => string.CompareOrdinal(p.Key, q.Key));
        var text = new StringBuilder("{");
        foreach (var (key, value) in parts)
        {
            text.Append(text.Length > 1 ? ", " : "").Append(key).Append("=\"").Append(Query.LabelMatcher.Escape(value)).Append('"');
        }

        return text.Append('}').ToString();
    }

    private static int NextIncluded(KeyValuePair<string, string>[] labels, int i, string[] excluded)
    {
        while (i < labels.Length && (labels[i].Value.Length == 0 || (excluded.Length > 0 && Contains(excluded, labels[i].Key))))
        {
            i++;
        }

        return i;
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private static ulong Mix(ulong hash, int value) =>
        BitOperations.RotateLeft((hash ^ (uint)value) * 0x9E3779B97F4A7C15UL, 29);
}

/// <summary>
/// Hash buckets chaining items (indexes into the caller's arrays), for match groups: the caller confirms a candidate
/// by comparing labels, so a hash collision costs a comparison, never a wrong answer.
/// </summary>
internal sealed class SigIndex
{
    private Dictionary<ulong, int> _heads = [];
    private int[] _next = new int[64];

    public void Clear()
    {
        // A dictionary that once held a huge vector would cost its whole capacity on every Clear.
        if (_heads.Count > 4096)
        {
            _heads = [];
        }
        else
        {
            _heads.Clear();
        }
    }

    public void Add(ulong hash, int item)
    {
        if (item >= _next.Length)
        {
            Array.Resize(ref _next, Math.Max(item + 1, _next.Length * 2));
        }

        _next[item] = _heads.TryGetValue(hash, out var head) ? head : -1;
        _heads[hash] = item;
    }

    /// <summary>The newest item with this hash, or -1; walk on with <see cref="Next"/>.</summary>
    public int First(ulong hash) => _heads.TryGetValue(hash, out var head) ? head : -1;

    public int Next(int item) => _next[item];
}
