using Microsoft.Extensions.Configuration;
using OpsConsole.Core.Alerts.Rules;
using OpsConsole.Core.Demo;

namespace OpsConsole.Core.Tests.Demo;

public sealed class DemoRulesTests
{
    private static List<string> Bind(Dictionary<string, string?> configured)
    {
        var configuration = new ConfigurationManager();
        configuration.AddInMemoryCollection(configured);
        configuration.AddInMemoryCollection(DemoRules.Entries(configuration, "/opt/console/rules/sampleshop.rules.yml"));
        return (configuration.GetSection(AlertRulesOptions.Section).Get<AlertRulesOptions>() ?? new AlertRulesOptions()).RuleFiles;
    }

    [Fact]
    public void The_shop_rules_are_appended_after_the_configured_files_even_with_gaps()
    {
        Assert.Equal(["/opt/console/rules/sampleshop.rules.yml"], Bind([]));
        Assert.Equal(["rules/a.yml", "rules/*.yml", "/opt/console/rules/sampleshop.rules.yml"],
            Bind(new() { ["Alerts:RuleFiles:0"] = "rules/a.yml", ["Alerts:RuleFiles:3"] = "rules/*.yml" }));
    }

    [Fact]
    public void A_file_listed_already_is_not_added_twice() =>
        Assert.Equal(["/opt/console/rules/sampleshop.rules.yml"], Bind(new() { ["Alerts:RuleFiles:0"] = "/opt/console/rules/sampleshop.rules.yml" }));

    [Fact]
    public void In_a_checkout_the_default_is_the_repository_file_relative_to_the_content_root_else_the_copy_beside_the_binary()
    {
        var checkout = Directory.CreateTempSubdirectory("opsconsole-demo-rules-");
        var published = Directory.CreateTempSubdirectory("opsconsole-demo-rules-");
        try
        {
            var file = Path.Combine(checkout.FullName, DemoRules.RepositoryFile);
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            File.WriteAllText(file, "groups: []\n");

            Assert.Equal("src/OpsConsole.Web/rules/sampleshop.rules.yml", DemoRules.DefaultFile(checkout.FullName));
            Assert.Equal(Path.Combine(AppContext.BaseDirectory, "rules", "sampleshop.rules.yml"), DemoRules.DefaultFile(published.FullName));
        }
        finally
        {
            checkout.Delete(recursive: true);
            published.Delete(recursive: true);
        }
    }
}
