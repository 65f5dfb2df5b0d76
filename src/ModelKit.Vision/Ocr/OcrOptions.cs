using ModelKit.Vision.Detection;
using ModelKit.Vision.Imaging;

namespace ModelKit.Vision.Ocr;

/// <summary>Settings of the OCR pipeline; defaults are PaddleOCR's for PP-OCRv4.</summary>
public sealed class OcrOptions
{
    /// <summary>The image is scaled down so its longer side is at most this before detection (<c>det_limit_side_len</c>, limit type max).</summary>
    public int DetectorMaxSide { get; set; } = 960;

    /// <summary>Image decoding limits (the decompression-bomb guard).</summary>
    public ImageDecoderOptions Decoder { get; set; } = new();

    /// <summary>Post-processing of the detector's probability map.</summary>
    public DbPostProcessOptions Detection { get; set; } = new();

    /// <summary>Whether lines are classified 0°/180° and upside-down ones turned before recognition (<c>use_angle_cls</c>).</summary>
    public bool ClassifyAngle { get; set; } = true;

    /// <summary>A line is turned when the classifier says 180° with at least this probability (<c>cls_thresh</c>).</summary>
    public float AngleThreshold { get; set; } = 0.9f;

    /// <summary>Lines recognized with a lower confidence are dropped (<c>drop_score</c>).</summary>
    public float MinConfidence { get; set; } = 0.5f;

    /// <summary>
    /// At most this many crops go through the recognizer in one run (crops of the same input width, of one image or of all the
    /// images read together), and at most this many windows through the angle classifier. Default 8 (PaddleOCR's
    /// <c>rec_batch_num</c> is 6): on CPU, runs of 4–8 crops cost about 13% less CPU time per crop than runs of 16–32.
    /// </summary>
    public int MaxRecognitionBatch { get; set; } = 8;

    /// <summary>
    /// When several images are read together (<see cref="ImageTextReader.ReadManyAsync"/>, or one request to a served pipeline),
    /// this many are decoded, detected and cropped at a time (default 2); only their pixels are held at once.
    /// </summary>
    public int ConcurrentDetections { get; set; } = 2;

    /// <summary>
    /// The ModelKit model name of a served OCR pipeline (<c>modelkit pull paddleocr</c> + <c>modelkit serve</c>). When a model of this
    /// name is registered with ModelKit (<c>kit.AddModel("paddleocr", o => o.Endpoint = …)</c>, or configuration), the reader that
    /// <see cref="VisionServiceCollectionExtensions.AddImageTextReader"/> registers sends images to it instead of running the three
    /// networks itself.
    /// </summary>
    public string PipelineModel { get; set; } = PaddleOcrModels.PipelineName;

    /// <summary>Through a served pipeline, at most this many images go in one request (<see cref="ImageTextReader.ReadManyAsync"/>).</summary>
    public int MaxImagesPerRequest { get; set; } = 16;
}
