using Microsoft.Extensions.Configuration;

namespace OpsConsole.Core.Demo;

/// <summary>The SampleShop alert rules the demo adds to <c>Alerts:RuleFiles</c>, after the configured ones.</summary>
public static class DemoRules
{
    /// <summary>The rule file in the repository, relative to the content root (the repository root under ./run.sh).</summary>
    public const string RepositoryFile = "src/OpsConsole.Web/rules/sampleshop.rules.yml";

    /// <summary>The copy beside the console's binary (OpsConsole.Web copies rules/*.yml to its output), for a published console.</summary>
    public static string BundledFile { get; } = Path.Combine(AppContext.BaseDirectory, "rules", "sampleshop.rules.yml");

    /// <summary>
    /// The file the demo adds: the repository's, as a path relative to the content root, when the content root is a
    /// checkout (edits there take effect and survive a rebuild, which overwrites the copy in bin/); else the bundled copy.
    /// </summary>
    public static string DefaultFile(string contentRoot)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(contentRoot);
        return File.Exists(Path.Combine(contentRoot, RepositoryFile)) ? RepositoryFile : BundledFile;
    }

    /// <summary>Configuration entries appending <paramref name="ruleFile"/>, or none when it is listed already.</summary>
    public static IReadOnlyDictionary<string, string?> Entries(IConfiguration configuration, string ruleFile) =>
        Alerts.Rules.RuleFileEntries.Append(configuration, ruleFile);
}
