namespace OpsConsole.Web.Features.Metrics;

/// <summary>
/// Axis arithmetic for <see cref="SignalChart"/>: "nice" 1-2-5 value ticks and round time ticks. Hand-written because
/// MudChart's value axis takes an integer tick step, which cannot scale ratios and sub-second latencies.
/// </summary>
public static class ChartScale
{
    /// <summary>Ticks from 0 (or the minimum when negative) to at least the maximum, about <paramref name="count"/> of them.</summary>
    public static double[] ValueTicks(double min, double max, int count = 4)
    {
        min = Math.Min(0, double.IsFinite(min) ? min : 0);
        max = double.IsFinite(max) && max > min ? max : min + 1;
        var raw = (max - min) / count;
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        var step = (raw / magnitude) switch
        {
            <= 1 => magnitude,
            <= 2 => 2 * magnitude,
            <= 5 => 5 * magnitude,
            _ => 10 * magnitude,
        };
        var first = Math.Floor(min / step) * step;
        var ticks = new List<double>();
        for (var v = first; v < max + (step / 2); v += step)
        {
            ticks.Add(Math.Round(v / step) * step);
        }

        if (ticks[^1] < max)
        {
            ticks.Add(ticks[^1] + step);
        }

        return [.. ticks];
    }

    /// <summary>Round time ticks (1 min, 5 min, 15 min, 1 h, …) giving about <paramref name="count"/> labels over the range.</summary>
    public static long[] TimeTicks(long fromMs, long toMs, int count = 6)
    {
        long[] steps = [10_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000, 7_200_000, 21_600_000, 43_200_000, 86_400_000];
        var span = Math.Max(1, toMs - fromMs);
        var step = steps.FirstOrDefault(s => span / s <= count, steps[^1]);
        var ticks = new List<long>();
        for (var t = ((fromMs / step) + 1) * step; t <= toMs; t += step)
        {
            ticks.Add(t);
        }

        return [.. ticks];
    }
}
