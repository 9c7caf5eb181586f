using System.Globalization;
using System.Text;

namespace OpsConsole.Core.Alerts.Rules;

/// <summary>
/// Prometheus's duration syntax (<c>model.ParseDuration</c>): units y, w, d, h, m, s, ms, each at most once and from
/// largest to smallest (<c>1h30m</c>, <c>90s</c>, <c>0</c>); y = 365 d, w = 7 d. No sign, no fractions, no spaces.
/// </summary>
public static class PromDuration
{
    private static readonly (string Unit, long Milliseconds)[] Units =
    [
        ("y", 365L * 24 * 3600 * 1000),
        ("w", 7L * 24 * 3600 * 1000),
        ("d", 24L * 3600 * 1000),
        ("h", 3600L * 1000),
        ("m", 60L * 1000),
        ("s", 1000),
        ("ms", 1),
    ];

    /// <summary>Parses or returns false with a reason.</summary>
    public static bool TryParse(string? text, out TimeSpan duration, out string error)
    {
        duration = TimeSpan.Zero;
        error = "";
        if (string.IsNullOrEmpty(text))
        {
            error = "empty duration string";
            return false;
        }

        if (text == "0")
        {
            return true; // the one unit-less value Prometheus allows
        }

        long total = 0;
        var nextUnit = 0;
        var i = 0;
        while (i < text.Length)
        {
            var start = i;
            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                i++;
            }

            if (i == start)
            {
                error = $"not a valid duration string: \"{text}\" (expected a number at position {start + 1}; use e.g. 30s, 5m, 1h30m)";
                return false;
            }

            var unitStart = i;
            while (i < text.Length && char.IsAsciiLetterLower(text[i]))
            {
                i++;
            }

            var unit = text[unitStart..i];
            var index = Array.FindIndex(Units, u => u.Unit == unit);
            if (unit.Length == 0 || index < 0)
            {
                error = unit.Length == 0
                    ? $"not a valid duration string: \"{text}\" (a number needs a unit: ms, s, m, h, d, w or y)"
                    : $"not a valid duration string: \"{text}\" (unknown unit \"{unit}\"; units are ms, s, m, h, d, w, y)";
                return false;
            }

            if (index < nextUnit)
            {
                error = $"not a valid duration string: \"{text}\" (units must go from largest to smallest, each once)";
                return false;
            }

            nextUnit = index + 1;
            if (!long.TryParse(text.AsSpan(start, unitStart - start), NumberStyles.None, CultureInfo.InvariantCulture, out var number)
                || number > TimeSpan.MaxValue.Ticks / TimeSpan.TicksPerMillisecond / Units[index].Milliseconds
                || (total += number * Units[index].Milliseconds) > TimeSpan.MaxValue.Ticks / TimeSpan.TicksPerMillisecond)
            {
                error = $"not a valid duration string: \"{text}\" (too long)";
                return false;
            }
        }

        duration = TimeSpan.FromMilliseconds(total);
        return true;
    }

    public static TimeSpan Parse(string text) =>
        TryParse(text, out var duration, out var error) ? duration : throw new FormatException(error);

    /// <summary>Prometheus's own rendering (<c>model.Duration.String</c>): <c>1h30m</c>, <c>5m</c>, <c>0s</c>.</summary>
    public static string Format(TimeSpan duration)
    {
        var ms = (long)duration.TotalMilliseconds;
        if (ms == 0)
        {
            return "0s";
        }

        var text = new StringBuilder();
        foreach (var (unit, size) in Units)
        {
            // Years and weeks only when exact, as Prometheus does: 90d reads better than 12w6d.
            var exactOnly = unit is "y" or "w";
            if (ms >= size && (!exactOnly || ms % size == 0))
            {
                text.Append((ms / size).ToString(CultureInfo.InvariantCulture)).Append(unit);
                ms %= size;
            }
        }

        return text.ToString();
    }
}
