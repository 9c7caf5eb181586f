using Prometheus;

namespace SampleShop.Hosting;

/// <summary>The shop's own series beside prometheus-net's standard http_* and process_* ones.</summary>
public static class ShopMetrics
{
    public static readonly Counter OrdersPlaced = Metrics.CreateCounter(
        "sampleshop_orders_placed_total", "Orders stored successfully.");

    public static readonly Counter OrderFailures = Metrics.CreateCounter(
        "sampleshop_order_failures_total", "Order placements that failed after validation, by reason.", "reason");

    public static readonly Counter RateLimited = Metrics.CreateCounter(
        "sampleshop_rate_limited_requests_total", "Requests rejected with 429 by the rate limiter, by route.", "endpoint");

    public static readonly Counter TrafficRequests = Metrics.CreateCounter(
        "sampleshop_traffic_requests_total", "Requests sent by the built-in traffic generator, by outcome (HTTP status, timeout, error).", "outcome");

    public static readonly Counter TrafficSkipped = Metrics.CreateCounter(
        "sampleshop_traffic_skipped_total", "Steady-load requests not sent because MaxConcurrency requests were already in flight.");

}
