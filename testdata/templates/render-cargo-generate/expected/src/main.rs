//! A tiny command-line tool

mod demo_tool_util;

const NAME: &str = "DemoTool";
const ENV_PREFIX: &str = "DEMO_TOOL";

#[derive(serde::Serialize)]
struct DemoToolConfig {
    verbose: bool,
}

fn main() {
    println!("{NAME} ({ENV_PREFIX}) {}", "demo-tool-demo_tool");
    println!("Demo Tool / demoTool / DEMO-TOOL");
    println!("undeclared: []");
}
