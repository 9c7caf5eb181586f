using System.Globalization;

namespace OpsConsole.Benchmarks;

/// <summary>The harnesses' "--name value" options.</summary>
public static class HarnessArgs
{
    public static int Int(string[] args, string name, int fallback)
    {
        ArgumentNullException.ThrowIfNull(args);
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
