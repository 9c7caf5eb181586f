using Microsoft.Extensions.Configuration;

namespace OpsConsole.Core.Alerts.Rules;

/// <summary>How a capability ships default rules: a rule file appended to <c>Alerts:RuleFiles</c> before the options are read.</summary>
public static class RuleFileEntries
{
    /// <summary>Configuration entries appending <paramref name="ruleFile"/>, or none when it is listed already.</summary>
    public static IReadOnlyDictionary<string, string?> Append(IConfiguration configuration, string ruleFile)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentException.ThrowIfNullOrWhiteSpace(ruleFile);
        var files = configuration.GetSection("Alerts:RuleFiles").GetChildren().ToList();
        if (files.Any(f => string.Equals(f.Value, ruleFile, StringComparison.Ordinal)))
        {
            return new Dictionary<string, string?>();
        }

        // One past the highest index in use, as for scrape targets, so a sparse list is appended to.
        var index = files.Select(f => int.TryParse(f.Key, out var i) ? i + 1 : 0).DefaultIfEmpty(0).Max();
        return new Dictionary<string, string?> { [$"Alerts:RuleFiles:{index}"] = ruleFile };
    }

    /// <summary>
    /// The repository's copy (relative to the content root) when the content root is a checkout, so edits take effect;
    /// else the copy beside the binary (OpsConsole.Web copies rules/*.yml to its output).
    /// </summary>
    public static string Default(string contentRoot, string fileName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(contentRoot);
        var repository = Path.Combine("src", "OpsConsole.Web", "rules", fileName);
        return File.Exists(Path.Combine(contentRoot, repository)) ? repository : Path.Combine(AppContext.BaseDirectory, "rules", fileName);
    }
}
