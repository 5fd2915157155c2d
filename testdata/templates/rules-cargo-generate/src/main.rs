fn main() {
    let port = "{{port}}";
    println!("{{crate_name}} on {port}");
}
