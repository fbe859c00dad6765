using CertStream.Gateway;

var builder = WebApplication.CreateBuilder(args);
builder.AddGateway();
var app = builder.Build();
app.MapGatewayEndpoints();
app.Run();
