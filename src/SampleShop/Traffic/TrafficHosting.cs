namespace SampleShop.Traffic;

public static class TrafficHosting
{
    public static IHostApplicationBuilder AddShopTraffic(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddHttpClient(TrafficService.HttpClientName, client =>
        {
            client.DefaultRequestHeaders.UserAgent.ParseAdd("sampleshop-traffic/1.0");
            client.Timeout = Timeout.InfiniteTimeSpan; // each request has its own timeout (SampleShop:Traffic:RequestTimeout)
        });
        builder.Services.AddHostedService<TrafficService>();
        return builder;
    }
}
