using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using SampleShop.Hosting;

namespace SampleShop.Tests.Hosting;

public sealed class ShopOptionsTests
{
    private static ValidateOptionsResult Validate(ShopOptions options) => new ShopOptionsValidator().Validate(null, options);

    [Fact]
    public void The_shipped_settings_are_valid()
    {
        var options = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"))
            .Build()
            .GetSection(ShopOptions.Section)
            .Get<ShopOptions>()!;

        Assert.True(Validate(options).Succeeded, Validate(options).FailureMessage);
        Assert.False(options.Traffic.Enabled); // only the console's demo mode turns the generator on
        Assert.Equal(0.03, options.Faults.PaymentFailureRate);
    }

    [Theory]
    [InlineData("Faults:PaymentFailureRate", "1.5", "PaymentFailureRate")]
    [InlineData("Faults:SlowLatencyMin", "00:00:05", "SlowLatencyMin must be at least 0 and not above SlowLatencyMax")]
    [InlineData("Traffic:RequestsPerSecond", "200", "RequestsPerSecond")]
    [InlineData("Traffic:MaxConcurrency", "0", "MaxConcurrency")]
    [InlineData("Traffic:BurstInterval", "00:00:01", "BurstInterval must be at least 00:00:05")]
    [InlineData("Traffic:BaseUrl", "ftp://shop", "BaseUrl must be an absolute http(s) URL")]
    [InlineData("RateLimit:TokenLimit", "0", "TokenLimit")]
    [InlineData("ParentProcessId", "0", "ParentProcessId")]
    public void A_bad_value_fails_validation_naming_the_setting(string key, string value, string expected)
    {
        var options = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { [$"{ShopOptions.Section}:{key}"] = value })
            .Build()
            .GetSection(ShopOptions.Section)
            .Get<ShopOptions>()!;

        var result = Validate(options);

        Assert.True(result.Failed);
        Assert.Contains(expected, result.FailureMessage, StringComparison.Ordinal);
    }
}
