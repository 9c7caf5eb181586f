using SampleShop.Catalog;
using SampleShop.Customers;
using SampleShop.Data;
using SampleShop.Hosting;
using SampleShop.Orders;
using SampleShop.Sessions;
using SampleShop.Simulation;
using SampleShop.Traffic;

var builder = WebApplication.CreateBuilder(args);
builder.AddShopHost();
builder.AddShopDatabase();
builder.AddShopSessions();
builder.AddShopTraffic();

var app = builder.Build();
app.UseShopPipeline();
app.MapProducts();
app.MapCustomers();
app.MapOrders();
app.MapSessions();
app.MapFaultControl();

// The schema is applied before the shop listens; a failure ends the process (its supervisor retries with backoff).
await app.Services.GetRequiredService<ShopMigrator>().MigrateAsync(ShopMigrator.DefaultDirectory, app.Lifetime.ApplicationStopping);
await app.RunAsync();

/// <summary>Entry point type, visible to tests.</summary>
public partial class Program;
